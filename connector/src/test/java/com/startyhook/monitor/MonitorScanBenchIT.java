package com.startyhook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Measures (asserts nothing about time) a condition scan over many elements: "stock changed" over
 * N products with 3 stock movements each, at baseline, steady state and with 1% changed, and the
 * JVM heap during each scan. Opt-in:
 *
 * <pre>
 * mvn -B verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=MonitorScanBenchIT \
 *     -Dstartyhook.bench.monitor=true [-Dstartyhook.bench.products=100000] [-DargLine=-Xmx128m]
 * </pre>
 *
 * Results go to stdout (target/failsafe-reports/com.startyhook.monitor.MonitorScanBenchIT-output.txt).
 */
@EnabledIfSystemProperty(named = "startyhook.bench.monitor", matches = "true")
class MonitorScanBenchIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();

    @Test
    void scanOfOneHundredThousandElements() throws Exception {
        int products = Integer.getInteger("startyhook.bench.products", 100_000);
        PG.execute("INSERT INTO erp.product (organization_id, sku, name, reorder_level)"
                + " SELECT 1 + g % 2, 'bench-' || g, 'product ' || g, 10 FROM generate_series(1, " + products + ") g;"
                + " INSERT INTO erp.stock_movement (organization_id, product_id, qty)"
                + " SELECT p.organization_id, p.id, (random() * 100)::numeric(12, 3)"
                + " FROM erp.product p, generate_series(1, 3);"
                + " ANALYZE erp.product; ANALYZE erp.stock_movement;");
        try (Database db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "startyhook", 4)) {
            db.migrate();
            String query = "SELECT p.id, p.organization_id AS organization, coalesce(sum(m.qty), 0) AS stock"
                    + " FROM erp.product p LEFT JOIN erp.stock_movement m ON m.product_id = p.id GROUP BY p.id";
            Flow flow = new Flow("bench-stock-changed", "", "product",
                    new ConditionTrigger(query, Duration.ofMinutes(1), Duration.ofMinutes(5), false), List.of(),
                    OrganizationScope.ALL, ExecutionMode.EVERY_TIME,
                    List.of(new WebhookAction(URI.create("https://receiver.example/stock"), "env:SECRET", Map.of(),
                            WebhookAction.DEFAULT_TIMEOUT, WebhookAction.DEFAULT_RETRY_SCHEDULE)),
                    Path.of("flows/bench.json"), "bench-hash");
            new Activations(db).activate(flow.name(), flow.contentHash(), "bench");
            MonitorService monitor = new MonitorService(db, MonitorConfig.DEFAULTS);
            monitor.apply(new Rules(Path.of("rules"), Map.of("product", new Entity("product", "erp", "product",
                    List.of("id"), "organization_id", null, null, null)), Map.of(flow.name(), flow)));

            System.out.printf("%nmonitor scan benchmark: %d products, %d stock movements, max heap %d MB%n",
                    products, products * 3, Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("%-22s %8s %8s %8s %12s %14s%n", "scan", "rows", "fired", "ms", "heap peak MB",
                    "heap before MB");
            measure(monitor, flow, "baseline (first scan)");
            measure(monitor, flow, "warm-up steady");
            for (int i = 1; i <= 3; i++) {
                measure(monitor, flow, "steady state " + i);
            }
            PG.execute("INSERT INTO erp.stock_movement (organization_id, product_id, qty)"
                    + " SELECT organization_id, id, 1 FROM erp.product WHERE id % 100 = 0");
            ScanResult changed = measure(monitor, flow, "1% changed");
            assertThat(changed.fired()).isEqualTo(products / 100);
            measure(monitor, flow, "steady after change");
            PG.execute("DELETE FROM erp.stock_movement WHERE product_id IN"
                    + " (SELECT id FROM erp.product WHERE id % 10 = 0)");
            measure(monitor, flow, "10% changed");
        }
    }

    private static ScanResult measure(MonitorService monitor, Flow flow, String label) {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        System.gc();
        long before = heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        ScanResult r = monitor.scanNow(flow.name());
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        assertThat(r.error()).isNull();
        System.out.printf("%-22s %8d %8d %8d %12d %14d%n", label, r.rows(), r.fired(), r.durationMs(), peak >> 20,
                before >> 20);
        return r;
    }
}
