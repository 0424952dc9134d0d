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
import com.startyhook.rules.EventType;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.OrganizationScope;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each event type, on one running event service, against the real demo ERP schema. */
class EventsIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger WAKE_UPS = new AtomicInteger();
    static Database db;
    static EventService service;

    static final Flow PROJECT_CREATED = flow("project-created", PROJECT, on(EventType.CREATE));
    static final Flow PROJECT_DELETED = flow("project-deleted", PROJECT, on(EventType.DELETE));
    static final Flow PROJECT_CREATED_ORG7 = flow("project-created-org7", PROJECT, on(EventType.CREATE), List.of(),
            OrganizationScope.of(Set.of("7")), ExecutionMode.EVERY_TIME);
    static final Flow NEVER_ACTIVATED = flow("never-activated", PROJECT, on(EventType.CREATE));
    static final Flow MODIFIED = flow("modified-not-reactivated", PROJECT, on(EventType.CREATE));
    static final Flow EXPENSIVE_PRODUCT = flow("expensive-product-created", PRODUCT, on(EventType.CREATE),
            List.of(where("price", Criterion.Operator.GT, dec("10"))), OrganizationScope.ALL, ExecutionMode.EVERY_TIME);
    static final Flow DOCUMENT_CONFIRMED = flow("document-confirmed", DOCUMENT, on(EventType.CONFIRM));
    static final Flow EMAIL_CHANGED = flow("customer-email-changed", CUSTOMER, change("email"));
    static final Flow CUSTOMER_BLOCKED = flow("customer-blocked", CUSTOMER, become("status", "blocked"));
    static final Flow CREDIT_16_5 = flow("customer-credit-16.5", CUSTOMER, become("credit_limit", dec("16.5")));
    static final Flow PRICE_CHANGED = flow("product-price-changed", PRODUCT, change("price"));
    static final Flow DESCRIPTION_CHANGED = flow("product-description-changed", PRODUCT, change("description"));
    static final Flow DESCRIPTION_UPDATED = flow("product-description-updated", PRODUCT, updateOf("description"));
    static final Flow STOCK_CHANGED = flow("stock-qty-changed", STOCK_MOVEMENT, change("qty"));

    @BeforeAll
    static void start() throws Exception {
        db = PG.connectorDatabase(4);
        Rules rules = rules(PROJECT_CREATED, PROJECT_DELETED, PROJECT_CREATED_ORG7, NEVER_ACTIVATED, MODIFIED,
                EXPENSIVE_PRODUCT, DOCUMENT_CONFIRMED, EMAIL_CHANGED, CUSTOMER_BLOCKED, CREDIT_16_5, PRICE_CHANGED,
                DESCRIPTION_CHANGED, DESCRIPTION_UPDATED, STOCK_CHANGED);
        Activations activations = new Activations(db);
        for (Flow f : rules.flows().values()) {
            if (f != NEVER_ACTIVATED) {
                activations.activate(f.name(), f == MODIFIED ? "the-content-before-an-edit" : f.contentHash(), "test");
            }
        }
        PG.execute("INSERT INTO erp.customer (id, organization_id, name, email) VALUES"
                + " (1, 1, 'Acme', 'a@acme.test'), (2, 1, 'Bolt', 'b@bolt.test'), (3, 2, 'Crux', 'c@crux.test')");
        service = new EventService(db, new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()),
                CaptureConfig.defaults().withRestartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
                WAKE_UPS::incrementAndGet, Clock.systemUTC());
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
    void anInsertedRowFiresCreate() throws Exception {
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (1001, 1, 'P-1001', 'Roof')");
        List<JsonNode> payloads = awaitPayloads("project-created", "1001", 1);
        JsonNode p = payloads.get(0);
        assertThat(p.get("event").asText()).isEqualTo("create");
        assertThat(p.get("entity").asText()).isEqualTo("project");
        assertThat(p.get("workflow").asText()).isEqualTo("project-created");
        assertThat(p.get("context").get("organization").asText()).isEqualTo("1");
        assertThat(p.get("context").get("table").asText()).isEqualTo("erp.project");
        assertThat(p.get("createdAt").asText()).isNotBlank();
        assertThat(p.get("occurredAt").asText()).isNotBlank();
        assertThat(WAKE_UPS.get()).isPositive();
    }

    @Test
    void insertThenUpdatesInOneTransactionFireOneCreateWithTheFinalValues() throws Exception {
        PG.execute("BEGIN;"
                + " INSERT INTO erp.product (id, organization_id, sku, name, price) VALUES (2001, 1, 'SKU-2001', 'Bolt', 5);"
                + " UPDATE erp.product SET name = 'Bolt M8' WHERE id = 2001;"
                + " UPDATE erp.product SET price = 20 WHERE id = 2001;"
                + " UPDATE erp.product SET updated_at = now() WHERE id = 2001;"
                + " INSERT INTO erp.product (id, organization_id, sku, name, price) VALUES (2002, 1, 'SKU-2002', 'Nut', 50);"
                + " UPDATE erp.product SET price = 3 WHERE id = 2002;"
                + " COMMIT;");
        barrier();
        assertThat(awaitPayloads("expensive-product-created", "2001", 1).get(0).get("event").asText()).isEqualTo("create");
        assertThat(actions("expensive-product-created", "2002")).as("criteria see the final price 3").isEmpty();
        assertThat(actions("product-price-changed", "2001")).as("an insert never fires change").isEmpty();
    }

    @Test
    void aDocumentConfirmedByTheLastOfFourUpdatesFiresOneConfirm() throws Exception {
        PG.execute("INSERT INTO erp.document (id, organization_id, doc_type, status) VALUES (3001, 1, 'invoice', 'draft')");
        PG.execute("BEGIN;"
                + " UPDATE erp.document SET number = 'INV-3001' WHERE id = 3001;"
                + " UPDATE erp.document SET total = 120.50 WHERE id = 3001;"
                + " UPDATE erp.document SET confirmed_at = now() WHERE id = 3001;"
                + " UPDATE erp.document SET status = 'confirmed' WHERE id = 3001;"
                + " COMMIT;");
        JsonNode p = awaitPayloads("document-confirmed", "3001", 1).get(0);
        assertThat(p.get("event").asText()).isEqualTo("confirm");
        assertThat(p.get("context").get("property").asText()).isEqualTo("status");
        assertThat(p.get("context").get("previous").asText()).isEqualTo("draft");
        assertThat(p.get("context").get("value").asText()).isEqualTo("confirmed");

        PG.execute("UPDATE erp.document SET status = 'processing' WHERE id = 3001");
        PG.execute("INSERT INTO erp.document (id, organization_id, doc_type, status) VALUES (3002, 1, 'order', 'done')");
        assertThat(awaitPayloads("document-confirmed", "3002", 1).get(0).get("context").get("previous").isNull())
                .as("a document inserted already confirmed is confirmed").isTrue();
        assertThat(actions("document-confirmed", "3001")).as("confirmed to processing is still confirmed").hasSize(1);
    }

    @Test
    void aPropertyChangedAndChangedBackInOneTransactionIsNoChange() throws Exception {
        PG.execute("BEGIN; UPDATE erp.customer SET email = 'x@acme.test' WHERE id = 1;"
                + " UPDATE erp.customer SET email = 'a@acme.test' WHERE id = 1; COMMIT;");
        barrier();
        assertThat(actions("customer-email-changed", "1")).isEmpty();

        PG.execute("UPDATE erp.customer SET email = 'new@acme.test' WHERE id = 1");
        JsonNode p = awaitPayloads("customer-email-changed", "1", 1).get(0);
        assertThat(p.get("event").asText()).isEqualTo("change");
        assertThat(p.get("context").get("previous").asText()).isEqualTo("a@acme.test");
        assertThat(p.get("context").get("value").asText()).isEqualTo("new@acme.test");
    }

    @Test
    void becomeFiresOnlyOnTheTransition() throws Exception {
        PG.execute("UPDATE erp.customer SET status = 'blocked' WHERE id = 2");
        awaitPayloads("customer-blocked", "2", 1);
        PG.execute("UPDATE erp.customer SET name = 'Bolt Ltd' WHERE id = 2");
        PG.execute("UPDATE erp.customer SET status = 'blocked', notes = 'still' WHERE id = 2");
        barrier();
        assertThat(actions("customer-blocked", "2")).hasSize(1);
        PG.execute("UPDATE erp.customer SET status = 'active' WHERE id = 2");
        PG.execute("UPDATE erp.customer SET status = 'blocked' WHERE id = 2");
        JsonNode second = awaitPayloads("customer-blocked", "2", 2).get(1);
        assertThat(second.get("context").get("previous").asText()).isEqualTo("active");
        assertThat(second.get("context").get("value").asText()).isEqualTo("blocked");
    }

    @Test
    void numbersCompareByValue() throws Exception {
        PG.execute("INSERT INTO erp.product (id, organization_id, sku, name, price) VALUES (2101, 1, 'SKU-2101', 'Pin', 16.5)");
        PG.execute("UPDATE erp.product SET price = 16.50 WHERE id = 2101");
        PG.execute("UPDATE erp.customer SET credit_limit = 16.50 WHERE id = 3");
        assertThat(awaitPayloads("customer-credit-16.5", "3", 1).get(0).get("context").get("value").decimalValue())
                .isEqualByComparingTo("16.5");
        barrier();
        assertThat(actions("product-price-changed", "2101")).as("16.5 equals 16.50").isEmpty();
        PG.execute("UPDATE erp.product SET price = 17 WHERE id = 2101");
        JsonNode p = awaitPayloads("product-price-changed", "2101", 1).get(0);
        assertThat(p.get("context").get("previous").decimalValue()).isEqualByComparingTo("16.5");
        assertThat(p.get("context").get("value").decimalValue()).isEqualByComparingTo("17");
    }

    @Test
    void deleteFiresDeleteAndNetChangesCancelOut() throws Exception {
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (4001, 1, 'P-4001', 'Shed')");
        awaitPayloads("project-created", "4001", 1);
        PG.execute("BEGIN; UPDATE erp.project SET name = 'Shed 2' WHERE id = 4001;"
                + " DELETE FROM erp.project WHERE id = 4001; COMMIT;");
        assertThat(awaitPayloads("project-deleted", "4001", 1).get(0).get("event").asText()).isEqualTo("delete");

        PG.execute("BEGIN; INSERT INTO erp.project (id, organization_id, code, name) VALUES (4002, 1, 'P-4002', 'Tmp');"
                + " DELETE FROM erp.project WHERE id = 4002; COMMIT;");
        barrier();
        assertThat(actions("project-created", "4002")).as("insert + delete is nothing").isEmpty();
        assertThat(actions("project-deleted", "4002")).isEmpty();
    }

    @Test
    void aPrimaryKeyUpdateIsADeleteAndACreate() throws Exception {
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (4101, 1, 'P-4101', 'Barn')");
        awaitPayloads("project-created", "4101", 1);
        PG.execute("UPDATE erp.project SET id = 4102 WHERE id = 4101");
        awaitPayloads("project-deleted", "4101", 1);
        awaitPayloads("project-created", "4102", 1);
    }

    @Test
    void unavailableToastValuesNeverCountAsAChange() throws Exception {
        PG.execute("INSERT INTO erp.product (id, organization_id, sku, name, price, description) VALUES (2201, 1,"
                + " 'SKU-2201', 'Manual', 1, (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 800)))");
        PG.execute("UPDATE erp.product SET price = 2 WHERE id = 2201");
        awaitPayloads("product-price-changed", "2201", 1);
        barrier();
        assertThat(actions("product-description-changed", "2201")).isEmpty();
        assertThat(actions("product-description-updated", "2201")).isEmpty();

        PG.execute("UPDATE erp.product SET description = 'short now' WHERE id = 2201");
        awaitPayloads("product-description-changed", "2201", 1);
        awaitPayloads("product-description-updated", "2201", 1);
    }

    @Test
    void organizationScopeFilters() throws Exception {
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (5001, 1, 'P-5001', 'A'),"
                + " (5007, 7, 'P-5007', 'B')");
        JsonNode p = awaitPayloads("project-created-org7", "5007", 1).get(0);
        assertThat(p.get("context").get("organization").asText()).isEqualTo("7");
        awaitPayloads("project-created", "5001", 1);
        assertThat(actions("project-created-org7", "5001")).isEmpty();
    }

    @Test
    void inactiveAndModifiedFlowsEnqueueNothing() throws Exception {
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (6001, 1, 'P-6001', 'C')");
        awaitPayloads("project-created", "6001", 1);
        assertThat(PG.count("startyhook.action WHERE flow_name IN ('never-activated', 'modified-not-reactivated')"))
                .isZero();
        assertThat(service.status().activeFlows()).doesNotContain("never-activated", "modified-not-reactivated")
                .contains("project-created");
    }

    @Test
    void aFlowNeedingOldValuesOnATableWithoutReplicaIdentityFullIsRefusedByName() {
        String reason = service.status().refusedFlows().get("stock-qty-changed");
        assertThat(reason).contains("stock-qty-changed", "erp.stock_movement",
                "ALTER TABLE erp.stock_movement REPLICA IDENTITY FULL;");
        assertThat(service.status().tables()).doesNotContain("erp.stock_movement");
    }

    @Test
    void tablesOutsideThePublicationKeepWorkingAndTheConnectorsSchemaIsNeverPublished() throws Exception {
        PG.execute("INSERT INTO erp.session_cache (session_key, payload) VALUES ('s1', 'x')");
        PG.execute("UPDATE erp.session_cache SET payload = 'y' WHERE session_key = 's1'");
        PG.execute("DELETE FROM erp.session_cache WHERE session_key = 's1'");
        assertThat(PG.count("pg_publication_tables WHERE pubname = 'startyhook'"
                + " AND (schemaname = 'startyhook' OR tablename = 'session_cache')")).isZero();
        assertThat(PG.count("pg_publication_tables WHERE pubname = 'startyhook' AND schemaname = 'erp'")).isEqualTo(4);
        assertThat(PG.count("pg_publication WHERE puballtables")).isZero();
    }

    private static final AtomicInteger BARRIER = new AtomicInteger(900_000);

    /** Waits until a change committed now has been processed: everything committed before it has been, too. */
    static void barrier() throws Exception {
        int id = BARRIER.incrementAndGet();
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (" + id + ", 1, 'B-" + id
                + "', 'barrier')");
        awaitPayloads("project-created", Integer.toString(id), 1);
    }

    static List<JsonNode> awaitPayloads(String flow, String element, int count) throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> actions(flow, element).size() >= count);
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
}
