package com.startyhook.events;

import static com.startyhook.events.TestRules.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureEngine;
import com.startyhook.capture.CaptureSource;
import com.startyhook.rules.Criterion;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventType;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import com.startyhook.rules.OrganizationScope;
import com.startyhook.rules.Relation;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Related values on a real PostgreSQL (docs/rules.md, "Related values"): an invoice line has no
 * organization of its own; its flows read it through two hops (line → document → customer), put the
 * customer's name in the payload context and filter on the document's type.
 */
class RelatedValuesIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final ObjectMapper JSON = new ObjectMapper();

    static final Relation CUSTOMER_HOP = new Relation("customer", "customer_id", "erp", "customer", "id", Map.of());
    static final Relation DOCUMENT_HOP = new Relation("document", "document_id", "erp", "document", "id",
            Map.of("customer", CUSTOMER_HOP));
    static final Entity LINE = new Entity("document_line", "erp", "document_line", List.of("id"),
            "document.customer.organization_id", null, null, null, Map.of("document", DOCUMENT_HOP));
    static final Map<String, String> CONTEXT = new LinkedHashMap<>(Map.of("customerName", "document.customer.name",
            "docType", "document.doc_type"));

    /** Lines of organization 2's invoices: organization and criterion on related values. */
    static final Flow ORG2_INVOICE_LINES = new Flow("org2-invoice-lines", "", LINE.name(),
            on(EventType.CREATE), List.of(where("document.doc_type", Criterion.Operator.EQ, "invoice")),
            OrganizationScope.of(Set.of("2")), ExecutionMode.EVERY_TIME, List.of(HOOK),
            Path.of("flows/org2-invoice-lines.json"), "hash-org2", CONTEXT);
    /** Every line, with the same context: shows what the missing and null cases give. */
    static final Flow ALL_LINES = new Flow("all-lines", "", LINE.name(), on(EventType.CREATE), List.of(),
            OrganizationScope.ALL, ExecutionMode.EVERY_TIME, List.of(HOOK), Path.of("flows/all-lines.json"),
            "hash-all", CONTEXT);

    static final AtomicBoolean FAIL_NEXT_LOOKUP = new AtomicBoolean();
    static final AtomicInteger FAILED_LOOKUPS = new AtomicInteger();
    static final AtomicInteger STATEMENTS = new AtomicInteger();
    static Database db;
    static EventService service;

    @BeforeAll
    static void start() throws Exception {
        db = PG.connectorDatabase(4);
        Map<String, Entity> entities = new LinkedHashMap<>(Map.of(LINE.name(), LINE));
        Map<String, Flow> flows = new LinkedHashMap<>();
        flows.put(ORG2_INVOICE_LINES.name(), ORG2_INVOICE_LINES);
        flows.put(ALL_LINES.name(), ALL_LINES);
        Rules rules = new Rules(Path.of("rules"), entities, flows);
        Activations activations = new Activations(db);
        for (Flow f : flows.values()) {
            activations.activate(f.name(), f.contentHash(), "test");
        }
        PG.execute("INSERT INTO erp.customer (id, organization_id, name) VALUES"
                + " (1, 1, 'Acme'), (3, 2, 'Crux'), (4, 2, 'Delta')");
        service = new EventService(db, new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()),
                CaptureConfig.defaults().withRestartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
                () -> { }, Clock.systemUTC(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                new FlakyDataSource(db.dataSource()), LookupConfig.defaults());
        service.apply(rules, activations.all());
        service.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> service.status().state() == CaptureEngine.State.RUNNING);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void organizationAndContextComeThroughTwoHopsAndCriteriaFilterOnARelatedValue() throws Exception {
        PG.execute("INSERT INTO erp.document (id, organization_id, customer_id, doc_type) VALUES"
                + " (10, 1, 3, 'invoice'), (11, 1, 3, 'order'), (12, 2, 1, 'invoice')");
        PG.execute("INSERT INTO erp.document_line (id, document_id, qty, unit_price) VALUES"
                + " (100, 10, 1, 5), (101, 11, 1, 5), (102, 12, 1, 5)");

        JsonNode p = awaitPayloads("org2-invoice-lines", "100", 1).get(0);
        assertThat(p.get("entity").asText()).isEqualTo("document_line");
        assertThat(p.get("context").get("organization").asText())
                .as("the customer's organization (2), not the document's own column (1)").isEqualTo("2");
        assertThat(p.get("context").get("customerName").asText()).isEqualTo("Crux");
        assertThat(p.get("context").get("docType").asText()).isEqualTo("invoice");
        assertThat(p.get("context").get("table").asText()).isEqualTo("erp.document_line");
        assertThat(organizationOf("org2-invoice-lines", "100")).isEqualTo("2");

        // all-lines sees the three, so the other flow has had its chance at 101 and 102
        assertThat(awaitPayloads("all-lines", "102", 1).get(0).get("context").get("organization").asText()).isEqualTo("1");
        awaitPayloads("all-lines", "101", 1);
        assertThat(actions("org2-invoice-lines", "101")).as("the criterion on document.doc_type turns an order away").isEmpty();
        assertThat(actions("org2-invoice-lines", "102")).as("a line of an organization-1 customer is out of scope").isEmpty();
    }

    @Test
    void aMissingRelatedRowGivesNullsAndNoOrganizationScopedEvent() throws Exception {
        PG.execute("INSERT INTO erp.document (id, organization_id, customer_id, doc_type) VALUES (13, 2, NULL, 'invoice')");
        PG.execute("INSERT INTO erp.document_line (id, document_id, qty, unit_price) VALUES (103, 13, 1, 5)");
        JsonNode p = awaitPayloads("all-lines", "103", 1).get(0);
        assertThat(p.get("context").get("organization").isNull()).as(p.toString()).isTrue();
        assertThat(p.get("context").get("customerName").isNull()).as(p.toString()).isTrue();
        assertThat(p.get("context").get("docType").asText()).as("the first hop still resolves").isEqualTo("invoice");
        assertThat(actions("org2-invoice-lines", "103")).isEmpty();
    }

    @Test
    void aRelatedRowChangedInTheSameTransactionIsSeenAsCommittedEvenWhenCached() throws Exception {
        PG.execute("INSERT INTO erp.document (id, organization_id, customer_id, doc_type) VALUES (14, 1, 4, 'invoice')");
        PG.execute("INSERT INTO erp.document_line (id, document_id, qty, unit_price) VALUES (104, 14, 1, 5)");
        assertThat(awaitPayloads("org2-invoice-lines", "104", 1).get(0).get("context").get("customerName").asText())
                .isEqualTo("Delta"); // document 14 and customer 4 are now cached

        PG.execute("BEGIN; UPDATE erp.customer SET name = 'Delta AG' WHERE id = 4;"
                + " INSERT INTO erp.document_line (id, document_id, qty, unit_price) VALUES (105, 14, 1, 5); COMMIT;");
        assertThat(awaitPayloads("org2-invoice-lines", "105", 1).get(0).get("context").get("customerName").asText())
                .as("the cached 'Delta' was read before this transaction committed").isEqualTo("Delta AG");

        PG.execute("BEGIN; INSERT INTO erp.document_line (id, document_id, qty, unit_price) VALUES (106, 14, 1, 5);"
                + " UPDATE erp.document SET customer_id = 1 WHERE id = 14; COMMIT;");
        JsonNode moved = awaitPayloads("all-lines", "106", 1).get(0);
        assertThat(moved.get("context").get("organization").asText()).as("the document's customer after the commit")
                .isEqualTo("1");
        assertThat(moved.get("context").get("customerName").asText()).isEqualTo("Acme");
        assertThat(actions("org2-invoice-lines", "106")).as("now organization 1's").isEmpty();
    }

    @Test
    void aFailingLookupIsRetriedAndNothingIsLost() throws Exception {
        PG.execute("INSERT INTO erp.document (id, organization_id, customer_id, doc_type) VALUES (15, 2, 3, 'invoice')");
        FAIL_NEXT_LOOKUP.set(true);
        PG.execute("INSERT INTO erp.document_line (id, document_id, qty, unit_price) VALUES (107, 15, 1, 5)");
        JsonNode p = awaitPayloads("org2-invoice-lines", "107", 1).get(0);
        assertThat(FAILED_LOOKUPS.get()).as("the lookup failed once and capture retried the batch").isPositive();
        assertThat(p.get("context").get("customerName").asText()).isEqualTo("Crux");
        assertThat(actions("all-lines", "107")).hasSize(1);
    }

    @Test
    void aLargeTransactionCostsAFewStatementsNotOnePerLine() throws Exception {
        PG.execute("INSERT INTO erp.document (id, organization_id, customer_id, doc_type) VALUES (16, 2, 3, 'invoice')");
        awaitQuiet();
        int before = STATEMENTS.get();
        PG.execute("INSERT INTO erp.document_line (id, document_id, qty, unit_price)"
                + " SELECT 1000 + g, 16, 1, 5 FROM generate_series(1, 500) g");
        await().atMost(Duration.ofSeconds(60)).until(() -> PG.count(
                "startyhook.action WHERE flow_name = 'org2-invoice-lines' AND element_id::bigint BETWEEN 1001 AND 1500") == 500);
        int used = STATEMENTS.get() - before;
        assertThat(used).as("500 lines × 2 hops read per batch, not per line").isLessThan(50);
    }

    /** Waits until the capture has handled everything committed so far (an all-lines barrier). */
    private static void awaitQuiet() throws Exception {
        PG.execute("INSERT INTO erp.document_line (id, document_id, qty, unit_price) VALUES (999, 16, 1, 5)");
        awaitPayloads("all-lines", "999", 1);
    }

    static String organizationOf(String flow, String element) throws SQLException {
        return (String) PG.queryValue("SELECT organization FROM startyhook.action WHERE flow_name = '" + flow
                + "' AND element_id = '" + element + "' LIMIT 1");
    }

    static List<JsonNode> awaitPayloads(String flow, String element, int count) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> actions(flow, element).size() >= count);
        List<JsonNode> result = actions(flow, element);
        assertThat(result).hasSize(count);
        return result;
    }

    static List<JsonNode> actions(String flow, String element) throws Exception {
        List<JsonNode> result = new ArrayList<>();
        try (var c = PG.connect(); var ps = c.prepareStatement(
                "SELECT payload FROM startyhook.action WHERE flow_name = ? AND element_id = ? ORDER BY id")) {
            ps.setString(1, flow);
            ps.setString(2, element);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(JSON.readTree(rs.getString(1)));
                }
            }
        }
        return result;
    }

    /** The ERP data source of the lookups: counts their statements and fails once when asked. */
    private record FlakyDataSource(DataSource delegate) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            if (FAIL_NEXT_LOOKUP.compareAndSet(true, false)) {
                FAILED_LOOKUPS.incrementAndGet();
                throw new SQLException("injected: the ERP database refused the lookup");
            }
            Connection c = delegate.getConnection();
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("prepareStatement")) {
                            STATEMENTS.incrementAndGet();
                        }
                        try {
                            return method.invoke(c, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
