package com.startyhook.bench;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureSource;
import com.startyhook.capture.DebeziumProperties;
import com.startyhook.embedded.EmbeddedPostgres;
import com.startyhook.events.EventService;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.EventType;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import com.startyhook.rules.OrganizationScope;
import com.startyhook.rules.Rules;
import com.startyhook.rules.WebhookAction;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Capture throughput (not a test): a backlog of row changes on {@code erp.product} read by the raw
 * Debezium engine with a do-nothing consumer, then by the event service with an every-time update
 * flow into the outbox, on the same PostgreSQL in the same run.
 *
 * <pre>
 * java -cp connector/target/startyhook.jar com.startyhook.bench.CaptureBenchmark [rows-per-tx] [transactions]
 * </pre>
 *
 * Defaults: 10 transactions of 10 000 updates (100 000 row changes). Uses an embedded PostgreSQL.
 */
public final class CaptureBenchmark {
    private static final Duration LIMIT = Duration.ofMinutes(10);

    private CaptureBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int transactions = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            Result r = run(pg.jdbcUrl("postgres"), pg.user(), pg.password(), rows, transactions);
            System.out.println(r.describe());
        }
        System.exit(0);
    }

    /** The measured rates. */
    public record Result(long changes, double rawPerSecond, double servicePerSecond, Duration raw, Duration service) {
        public String describe() {
            return String.format("backlog: %,d row changes on erp.product%n"
                    + "raw Debezium engine (Connect records, do-nothing consumer): %,.0f changes/s (%d ms)%n"
                    + "event service into the outbox (every-time update flow):     %,.0f actions/s (%d ms), %.0f %% of raw",
                    changes, rawPerSecond, raw.toMillis(), servicePerSecond, service.toMillis(),
                    100.0 * servicePerSecond / rawPerSecond);
        }
    }

    public static Result run(String adminUrl, String user, String password, int rows, int transactions)
            throws Exception {
        String url = adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + "startyhook_bench";
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS startyhook_bench WITH (FORCE)");
            s.execute("CREATE DATABASE startyhook_bench");
        }
        execute(url, user, password, demoSchema());
        execute(url, user, password, "INSERT INTO erp.product (id, organization_id, sku, name, price)"
                + " SELECT g, 1, 'SKU-' || g, 'Product ' || g, 10 FROM generate_series(1, " + rows + ") g");
        Path rawOffsets = Files.createTempFile("startyhook-bench-raw", ".offsets");
        try (Database db = new Database(url, user, password, "startyhook", 4)) {
            db.migrate();
            Rules rules = rules();
            Flow flow = rules.flows().values().iterator().next();
            new Activations(db).activate(flow.name(), flow.contentHash(), "bench");
            CaptureSource source = new CaptureSource(url, user, password);
            CaptureConfig config = CaptureConfig.defaults().withSlotName("startyhook");

            // 1. both readers take their slot position, then stop
            RawEngine raw = new RawEngine(url, user, password, rawOffsets);
            raw.start();
            EventService service = service(db, source, config, rules);
            execute(url, user, password, "UPDATE erp.product SET price = price + 1 WHERE id = 1");
            raw.awaitData(1);
            awaitOutbox(db, 1);
            raw.close();
            service.close();
            execute(url, user, password, "TRUNCATE startyhook.action, startyhook.attempt");

            // 2. the backlog
            for (int t = 0; t < transactions; t++) {
                execute(url, user, password, "UPDATE erp.product SET price = price + 1");
            }
            long changes = (long) rows * transactions;

            // 3. the raw engine reads it
            raw = new RawEngine(url, user, password, rawOffsets);
            long t0 = System.nanoTime();
            raw.start();
            raw.awaitData(changes);
            Duration rawTime = Duration.ofNanos(System.nanoTime() - t0);
            raw.close();

            // 4. the event service reads it into the outbox
            t0 = System.nanoTime();
            service = service(db, source, config, rules);
            awaitOutbox(db, changes);
            Duration serviceTime = Duration.ofNanos(System.nanoTime() - t0);
            service.close();
            return new Result(changes, changes / seconds(rawTime), changes / seconds(serviceTime), rawTime, serviceTime);
        } finally {
            Files.deleteIfExists(rawOffsets);
        }
    }

    private static EventService service(Database db, CaptureSource source, CaptureConfig config, Rules rules)
            throws Exception {
        EventService service = new EventService(db, source, config, () -> { }, Clock.systemUTC());
        service.apply(rules, new Activations(db).all());
        service.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (service.status().state() != com.startyhook.capture.CaptureEngine.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the event service did not start: " + service.status().lastError());
            }
            Thread.sleep(5);
        }
        return service;
    }

    private static Rules rules() {
        Entity product = new Entity("product", "erp", "product", List.of("id"), "organization_id", "created_at",
                "updated_at", null);
        WebhookAction hook = new WebhookAction(URI.create("https://localhost:8443/hook"), "env:BENCH_SECRET", Map.of(),
                WebhookAction.DEFAULT_TIMEOUT, WebhookAction.DEFAULT_RETRY_SCHEDULE);
        Flow flow = new Flow("bench-product-updated", "benchmark", "product",
                new EventTrigger(Set.of(EventType.UPDATE), null, null, List.of()), List.of(), OrganizationScope.ALL,
                ExecutionMode.EVERY_TIME, List.of(hook), Path.of("flows", "bench.json"), "bench-hash");
        return new Rules(Path.of("rules"), Map.of("product", product), Map.of(flow.name(), flow));
    }

    private static void awaitOutbox(Database db, long count) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = db.connection(); Statement s = c.createStatement();
                    var rs = s.executeQuery("SELECT count(*) FROM startyhook.action")) {
                rs.next();
                if (rs.getLong(1) >= count) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the outbox did not reach " + count + " actions within " + LIMIT);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static void execute(String url, String user, String password, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String demoSchema() throws Exception {
        try (InputStream in = CaptureBenchmark.class.getResourceAsStream("/startyhook/sql/demo/erp_schema.sql")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Debezium with the connector's settings ({@link DebeziumProperties}): Connect records, a consumer that only counts and acknowledges. */
    private static final class RawEngine implements AutoCloseable {
        private final AtomicLong data = new AtomicLong();
        private final CountDownLatch started = new CountDownLatch(1);
        private final ExecutorService executor = Executors.newSingleThreadExecutor();
        private final DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;

        RawEngine(String url, String user, String password, Path offsets) {
            Properties p = DebeziumProperties.reading("bench", new CaptureSource(url, user, password), "bench_raw",
                    "bench_raw", Set.of("erp.product"), CaptureConfig.DEFAULT_POLL_INTERVAL,
                    CaptureConfig.DEFAULT_MAX_BATCH_SIZE);
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
            p.setProperty("offset.storage.file.filename", offsets.toString());
            p.setProperty("offset.flush.interval.ms", "0");
            engine = DebeziumEngine.create(Connect.class).using(p)
                    .using(new DebeziumEngine.ConnectorCallback() {
                        @Override
                        public void taskStarted() {
                            started.countDown();
                        }
                    })
                    .notifying((records, committer) -> {
                        for (ChangeEvent<SourceRecord, SourceRecord> r : records) {
                            if (r.destination().startsWith("bench.erp.")) {
                                data.incrementAndGet();
                            }
                            committer.markProcessed(r);
                        }
                        committer.markBatchFinished();
                    }).build();
        }

        void start() throws InterruptedException {
            executor.submit(engine);
            if (!started.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the raw Debezium engine did not start within 60 s");
            }
        }

        void awaitData(long count) throws InterruptedException {
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (data.get() < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the raw engine saw " + data.get() + " of " + count + " changes");
                }
                Thread.sleep(5);
            }
        }

        @Override
        public void close() throws Exception {
            engine.close();
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }
}
