package com.startyhook.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.monitor.ScanResult.Outcome;
import com.startyhook.rules.ConditionTrigger;
import com.startyhook.rules.Entity;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import com.startyhook.rules.OrganizationScope;
import com.startyhook.rules.Rules;
import com.startyhook.rules.WebhookAction;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MonitorServiceIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Entity PRODUCT = new Entity("product", "erp", "product", List.of("id"), "organization_id",
            "created_at", "updated_at", null);
    static final Entity MOVEMENT = new Entity("stock_movement", "erp", "stock_movement", List.of("id"),
            "organization_id", "created_at", null, null);
    static final String STOCK = "SELECT p.id, p.organization_id AS organization, coalesce(sum(m.qty), 0) AS stock"
            + " FROM erp.product p LEFT JOIN erp.stock_movement m ON m.product_id = p.id GROUP BY p.id";

    static Database db;
    static Activations activations;
    final List<MonitorService> services = new ArrayList<>();
    final AtomicInteger wakeUps = new AtomicInteger();

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(8);
        activations = new Activations(db);
    }


    @AfterEach
    void closeServices() {
        services.forEach(MonitorService::close);
    }

    @Test
    void stockChangedFiresOncePerChangeAndNotForUnrelatedRows() throws Exception {
        long a = product(1, "chg-a", 0);
        long b = product(1, "chg-b", 0);
        Flow flow = activate(condition("stock-changed", STOCK));
        MonitorService monitor = monitor(flow);

        ScanResult baseline = monitor.scanNow("stock-changed");
        assertThat(baseline.outcome()).isEqualTo(Outcome.BASELINE);
        assertThat(baseline.rows()).isGreaterThanOrEqualTo(2);
        assertThat(baseline.fired()).isZero();
        assertThat(actions("stock-changed")).isEmpty();

        move(a, "16.5");
        ScanResult first = monitor.scanNow("stock-changed");
        assertThat(first.outcome()).isEqualTo(Outcome.SCANNED);
        assertThat(first.fired()).isEqualTo(1);
        assertThat(wakeUps).hasValue(1);
        List<JsonNode> payloads = actions("stock-changed");
        assertThat(payloads).hasSize(1);
        JsonNode p = payloads.get(0);
        assertThat(p.get("id").asText()).isEqualTo(String.valueOf(a));
        assertThat(p.get("event").asText()).isEqualTo("condition");
        assertThat(p.get("entity").asText()).isEqualTo("product");
        assertThat(p.get("workflow").asText()).isEqualTo("stock-changed");
        assertThat(p.get("context").get("organization").asText()).isEqualTo("1");
        assertThat(new BigDecimal(p.get("context").get("stock").asText())).isEqualByComparingTo("16.5");
        assertThat(Instant.parse(p.get("occurredAt").asText())).isEqualTo(first.started());

        assertThat(monitor.scanNow("stock-changed").fired()).as("no change, no firing").isZero();

        PG.execute("UPDATE erp.product SET name = 'renamed', price = 99 WHERE id = " + b + ";"
                + " INSERT INTO erp.customer (organization_id, name) VALUES (1, 'unrelated');"
                + " INSERT INTO erp.stock_movement (organization_id, product_id, qty) VALUES (1, " + a + ", 0)");
        assertThat(monitor.scanNow("stock-changed").fired()).as("unrelated rows and a zero movement").isZero();

        move(a, "-1.5");
        move(b, "2");
        ScanResult second = monitor.scanNow("stock-changed");
        assertThat(second.fired()).isEqualTo(2);
        assertThat(actions("stock-changed")).extracting(n -> n.get("id").asText())
                .containsExactly(String.valueOf(a), String.valueOf(a), String.valueOf(b));
        assertThat(wakeUps).hasValue(2);

        FlowStatus status = monitor.status().get("stock-changed");
        assertThat(status.status()).isEqualTo("ok");
        assertThat(status.fired()).isEqualTo(2);
        assertThat(status.rows()).isEqualTo(second.rows());
        assertThat(status.lastSuccessStarted()).isEqualTo(second.started());
    }

    @Test
    void belowReorderLevelFiresOnDroppingBelowAndOncePerElementOnlyTheFirstTimeEver() throws Exception {
        long p = product(2, "low-1", 10);
        move(p, "20");
        String below = "SELECT p.id, p.organization_id AS organization FROM erp.product p"
                + " LEFT JOIN erp.stock_movement m ON m.product_id = p.id WHERE p.sku LIKE 'low-%'"
                + " GROUP BY p.id HAVING coalesce(sum(m.qty), 0) < p.reorder_level";
        Flow every = activate(condition("below-every", below));
        Flow once = activate(flow("below-once", below, ExecutionMode.ONCE_PER_ELEMENT, OrganizationScope.ALL, false,
                Duration.ofHours(1), null));
        MonitorService monitor = monitor(every, once);
        scanBoth(monitor, 0, 0);

        move(p, "-15"); // 5 < 10: drops below
        scanBoth(monitor, 1, 1);
        move(p, "-1"); // 4: still below
        scanBoth(monitor, 0, 0);
        move(p, "20"); // 24: recovered
        scanBoth(monitor, 0, 0);
        move(p, "-20"); // 4: below again
        scanBoth(monitor, 1, 0);
        assertThat(actions("below-every")).hasSize(2);
        assertThat(actions("below-once")).hasSize(1);

        // once-per-element survives a re-activation (new baseline) and a restart
        activations.deactivate("below-once", once.contentHash(), "test");
        activations.activate("below-once", once.contentHash(), "test");
        MonitorService restarted = monitor(once);
        assertThat(restarted.scanNow("below-once").outcome()).isEqualTo(Outcome.BASELINE);
        move(p, "20");
        assertThat(restarted.scanNow("below-once").fired()).isZero();
        move(p, "-20");
        assertThat(restarted.scanNow("below-once").fired()).isZero();
        assertThat(actions("below-once")).hasSize(1);
    }

    @Test
    void sinceWatermarkFiresForMovementsAddedAfterTheLastScanAndNoneTwice() throws Exception {
        long p = product(1, "since-1", 0);
        String added = "SELECT m.id, m.organization_id AS organization, m.product_id, m.qty"
                + " FROM erp.stock_movement m WHERE m.created_at >= :since AND m.product_id = " + p;
        long beforeActivation = move(p, "1");
        Flow flow = activate(flow("movement-added", added, ExecutionMode.EVERY_TIME, OrganizationScope.ALL, true,
                Duration.ofHours(1), null));
        long afterActivation = move(p, "2");
        MonitorService monitor = monitor(flow);

        ScanResult first = monitor.scanNow("movement-added");
        assertThat(first.outcome()).as("fire on first scan, :since = activation time").isEqualTo(Outcome.BASELINE);
        assertThat(ids("movement-added")).containsExactly(String.valueOf(afterActivation))
                .doesNotContain(String.valueOf(beforeActivation));

        long m1 = move(p, "3");
        long m2 = move(p, "4");
        assertThat(monitor.scanNow("movement-added").fired()).isEqualTo(2);
        assertThat(monitor.scanNow("movement-added").fired()).isZero();
        long m3 = move(p, "5");

        // a crash before the commit: nothing fires, :since stays at the last successful scan ...
        monitor.beforeCommit(() -> {
            throw new IllegalStateException("simulated crash before commit");
        });
        assertThat(monitor.scanNow("movement-added").outcome()).isEqualTo(Outcome.FAILED);
        monitor.beforeCommit(() -> { });
        assertThat(ids("movement-added")).hasSize(3);
        // ... so the next scan fires the movement once
        assertThat(monitor.scanNow("movement-added").fired()).isEqualTo(1);
        assertThat(monitor.scanNow("movement-added").fired()).isZero();
        assertThat(ids("movement-added")).containsExactly(String.valueOf(afterActivation), String.valueOf(m1),
                String.valueOf(m2), String.valueOf(m3));
    }

    @Test
    void aRestartBetweenScansFiresNothingNewForUnchangedData() throws Exception {
        long a = product(1, "restart-a", 0);
        Flow flow = activate(condition("restart-stock", STOCK));
        MonitorService first = monitor(flow);
        first.start();
        await().until(() -> first.status().containsKey("restart-stock")
                && "ok".equals(first.status().get("restart-stock").status()));
        first.close();
        first.close(); // idempotent

        MonitorService second = monitor(flow);
        ScanResult afterRestart = second.scanNow("restart-stock");
        assertThat(afterRestart.outcome()).isEqualTo(Outcome.SCANNED);
        assertThat(afterRestart.fired()).isZero();
        move(a, "7");
        assertThat(second.scanNow("restart-stock").fired()).isEqualTo(1);
        assertThat(ids("restart-stock")).containsExactly(String.valueOf(a));
    }

    @Test
    void aCrashBetweenScanAndStateWriteNeitherLosesNorDoublesAFiring() throws Exception {
        long a = product(1, "crash-a", 0);
        Flow flow = activate(condition("crash-stock", STOCK));
        MonitorService monitor = monitor(flow);
        monitor.scanNow("crash-stock");
        move(a, "3");

        AtomicInteger crashes = new AtomicInteger();
        monitor.beforeCommit(() -> {
            crashes.incrementAndGet();
            throw new IllegalStateException("simulated crash before commit");
        });
        ScanResult crashed = monitor.scanNow("crash-stock");
        assertThat(crashed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(crashes).hasValue(1);
        assertThat(ids("crash-stock")).isEmpty();
        assertThat(monitor.status().get("crash-stock").error()).contains("simulated crash");
        assertThat(wakeUps).hasValue(0);

        monitor.beforeCommit(() -> { });
        assertThat(monitor.scanNow("crash-stock").fired()).isEqualTo(1);
        assertThat(monitor.scanNow("crash-stock").fired()).isZero();
        assertThat(ids("crash-stock")).containsExactly(String.valueOf(a));
        assertThat(monitor.status().get("crash-stock").status()).isEqualTo("ok");
    }

    @Test
    void failingQueriesAreIsolatedAndVisibleInTheStatus() throws Exception {
        long a = product(2, "iso-a", 0);
        Flow healthy = activate(flow("iso-healthy", STOCK, ExecutionMode.EVERY_TIME, OrganizationScope.ALL, false,
                Duration.ofMillis(200), null));
        Flow syntax = activate(flow("iso-syntax", "SELECT id FROMM erp.product", ExecutionMode.EVERY_TIME,
                OrganizationScope.ALL, false, Duration.ofMillis(200), null));
        Flow slow = activate(flow("iso-slow", "SELECT id, pg_sleep(5)::text AS slept FROM erp.product",
                ExecutionMode.EVERY_TIME, OrganizationScope.ALL, false, Duration.ofMillis(200), Duration.ofMillis(300)));
        Flow noId = activate(flow("iso-no-id", "SELECT sku FROM erp.product", ExecutionMode.EVERY_TIME,
                OrganizationScope.ALL, false, Duration.ofMillis(200), null));
        Flow nullId = activate(flow("iso-null-id", "SELECT NULL::bigint AS id", ExecutionMode.EVERY_TIME,
                OrganizationScope.ALL, false, Duration.ofMillis(200), null));
        Flow twice = activate(flow("iso-twice", "SELECT 1 AS id UNION ALL SELECT 1", ExecutionMode.EVERY_TIME,
                OrganizationScope.ALL, false, Duration.ofMillis(200), null));
        MonitorService monitor = monitor(healthy, syntax, slow, noId, nullId, twice);
        monitor.start();
        monitor.start(); // idempotent

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, FlowStatus> status = monitor.status();
            assertThat(status).containsKeys("iso-healthy", "iso-syntax", "iso-slow", "iso-no-id", "iso-null-id",
                    "iso-twice");
            assertThat(status.get("iso-healthy")).extracting(FlowStatus::status).isEqualTo("ok");
            assertThat(status.get("iso-syntax").error()).contains("syntax error at or near \"erp\"")
                    .contains("at character 17 of the query");
            assertThat(status.get("iso-slow").error()).contains("statement timeout");
            assertThat(status.get("iso-no-id").error()).contains("flow iso-no-id returns no id column");
            assertThat(status.get("iso-null-id").error()).contains("id is null");
            assertThat(status.get("iso-twice").error()).contains("returns id 1 more than once");
            assertThat(Stream.of("iso-syntax", "iso-slow", "iso-no-id", "iso-null-id", "iso-twice")
                    .map(status::get)).allMatch(FlowStatus::failed);
        });
        move(a, "4");
        await().atMost(Duration.ofSeconds(30)).until(() -> ids("iso-healthy").contains(String.valueOf(a)));
        monitor.close();
        assertThat(monitor.isRunning()).isFalse();
        assertThat(ids("iso-healthy")).containsExactly(String.valueOf(a));
    }

    @Test
    void organizationScopeFiltersElementsByTheirOrganizationColumn() throws Exception {
        long inScope = product(7, "org-7", 0);
        long outOfScope = product(1, "org-1", 0);
        Flow flow = activate(flow("org7-stock", STOCK, ExecutionMode.EVERY_TIME, OrganizationScope.of(Set.of("7")),
                false, Duration.ofHours(1), null));
        MonitorService monitor = monitor(flow);
        monitor.scanNow("org7-stock");
        move(inScope, "1");
        move(outOfScope, "1");
        assertThat(monitor.scanNow("org7-stock").fired()).isEqualTo(1);
        assertThat(ids("org7-stock")).containsExactly(String.valueOf(inScope));
    }

    @Test
    void onlyActiveFlowsRunAndChangesWhileInactiveDoNotFire() throws Exception {
        long a = product(1, "inactive-a", 0);
        Flow flow = condition("gated-stock", STOCK);
        MonitorService monitor = monitor(flow);
        assertThat(monitor.monitoredFlows()).as("never activated").isEmpty();
        assertThatThrownBy(() -> monitor.scanNow("gated-stock")).hasMessageContaining("flows activate gated-stock");

        activate(flow);
        monitor.apply(rules(flow));
        assertThat(monitor.monitoredFlows()).containsExactly("gated-stock");
        assertThat(monitor.scanNow("gated-stock").outcome()).isEqualTo(Outcome.BASELINE);

        // deactivated elsewhere (another process): the next scan runs nothing
        activations.deactivate("gated-stock", flow.contentHash(), "test");
        move(a, "5");
        assertThat(monitor.scanNow("gated-stock").outcome()).isEqualTo(Outcome.INACTIVE);
        // re-activated: a new baseline, so the change made while inactive does not fire
        activations.activate("gated-stock", flow.contentHash(), "test");
        assertThat(monitor.scanNow("gated-stock").outcome()).isEqualTo(Outcome.BASELINE);
        assertThat(ids("gated-stock")).isEmpty();

        // an edited flow (new content hash) is inactive until activated
        Flow edited = new Flow(flow.name(), "edited", flow.entity(), flow.trigger(), flow.criteria(),
                flow.organizations(), flow.mode(), flow.actions(), flow.file(), "edited-hash");
        monitor.apply(rules(edited));
        assertThat(monitor.monitoredFlows()).isEmpty();
    }

    @Test
    void elementsLeavingAnywhereAcrossBatchesAreForgottenAndFireAgainOnReEntering() throws Exception {
        List<Long> p = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            p.add(product(1, "set-" + i, 0));
        }
        PG.execute("UPDATE erp.product SET price = 1 WHERE sku LIKE 'set-%'");
        Flow flow = activate(condition("priced", "SELECT id, organization_id AS organization FROM erp.product"
                + " WHERE sku LIKE 'set-%' AND price > 0"));
        MonitorService monitor = monitor(flow); // batches of 2 rows
        assertThat(monitor.scanNow("priced").rows()).isEqualTo(9);
        List<Long> leaving = List.of(p.get(0), p.get(3), p.get(4), p.get(8));
        String ids = leaving.toString().replace("[", "(").replace("]", ")");

        PG.execute("UPDATE erp.product SET price = 0 WHERE id IN " + ids);
        ScanResult left = monitor.scanNow("priced");
        assertThat(left.rows()).isEqualTo(5);
        assertThat(left.fired()).isZero();
        assertThat(PG.count("startyhook.monitor_element WHERE flow_name = 'priced'")).isEqualTo(5);

        PG.execute("UPDATE erp.product SET price = 2 WHERE id IN " + ids);
        assertThat(monitor.scanNow("priced").fired()).isEqualTo(4);
        assertThat(ids("priced")).containsExactlyInAnyOrderElementsOf(leaving.stream().map(String::valueOf).toList());

        PG.execute("UPDATE erp.product SET price = 0 WHERE sku LIKE 'set-%'");
        assertThat(monitor.scanNow("priced").rows()).isZero();
        assertThat(PG.count("startyhook.monitor_element WHERE flow_name = 'priced'")).isZero();
    }

    // --- helpers

    private MonitorService monitor(Flow... flows) throws Exception {
        MonitorService m = new MonitorService(db, new MonitorConfig(2, Duration.ofSeconds(10), 100, 2),
                Clock.systemUTC(), wakeUps::incrementAndGet);
        services.add(m);
        m.apply(rules(flows));
        return m;
    }

    private static Rules rules(Flow... flows) {
        Map<String, Flow> byName = new LinkedHashMap<>();
        for (Flow f : flows) {
            byName.put(f.name(), f);
        }
        return new Rules(Path.of("rules"), Map.of("product", PRODUCT, "stock_movement", MOVEMENT), byName);
    }

    private void scanBoth(MonitorService monitor, int every, int once) {
        assertThat(monitor.scanNow("below-every").fired()).as("below-every").isEqualTo(every);
        assertThat(monitor.scanNow("below-once").fired()).as("below-once").isEqualTo(once);
    }

    private static Flow condition(String name, String query) {
        return flow(name, query, ExecutionMode.EVERY_TIME, OrganizationScope.ALL, false, Duration.ofHours(1), null);
    }

    private static Flow flow(String name, String query, ExecutionMode mode, OrganizationScope scope,
            boolean fireOnFirstScan, Duration interval, Duration timeout) {
        WebhookAction hook = new WebhookAction(URI.create("https://receiver.example/hooks/" + name), "env:HOOK_SECRET",
                Map.of(), WebhookAction.DEFAULT_TIMEOUT, WebhookAction.DEFAULT_RETRY_SCHEDULE);
        return new Flow(name, "test flow", query.contains("stock_movement m WHERE") ? "stock_movement" : "product",
                new ConditionTrigger(query, interval, timeout, fireOnFirstScan), List.of(), scope, mode, List.of(hook),
                Path.of("rules/flows/" + name + ".json"), "hash-" + name);
    }

    private static Flow activate(Flow flow) throws Exception {
        activations.activate(flow.name(), flow.contentHash(), "test");
        return flow;
    }

    private static long product(int organization, String sku, int reorderLevel) throws Exception {
        return ((Number) PG.queryValue("INSERT INTO erp.product (organization_id, sku, name, reorder_level) VALUES ("
                + organization + ", '" + sku + "', '" + sku + "', " + reorderLevel + ") RETURNING id")).longValue();
    }

    private static long move(long product, String qty) throws Exception {
        return ((Number) PG.queryValue("INSERT INTO erp.stock_movement (organization_id, product_id, qty)"
                + " SELECT organization_id, id, " + qty + " FROM erp.product WHERE id = " + product + " RETURNING id"))
                .longValue();
    }

    private static List<JsonNode> actions(String flow) throws Exception {
        List<JsonNode> result = new ArrayList<>();
        try (Connection c = PG.connect();
                PreparedStatement ps = c.prepareStatement("SELECT payload FROM startyhook.action"
                        + " WHERE flow_name = ? ORDER BY id")) {
            ps.setString(1, flow);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(JSON.readTree(rs.getString(1)));
                }
            }
        }
        return result;
    }

    private static List<String> ids(String flow) throws Exception {
        return actions(flow).stream().map(n -> n.get("id").asText()).toList();
    }
}
