package com.startyhook.demo;

import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorSettings;
import com.startyhook.config.Settings;
import com.startyhook.embedded.EmbeddedPostgres;
import com.startyhook.rules.Flow;
import com.startyhook.rules.LiveValidator;
import com.startyhook.rules.Problem;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Everything {@code startyhook demo} runs, on embedded defaults (docs/operations.md): a throwaway PostgreSQL
 * with the demo ERP schema, the example flows (activated explicitly, as an operator would), the
 * local receiver, the real connector in-process, and simulated ERP activity. {@link #close()}
 * leaves nothing behind: connector, receiver and PostgreSQL stopped, temporary files deleted.
 *
 * <p>One concern, the demo's life from start to clean-up; its size is that sequence of steps.
 */
public final class Demo implements AutoCloseable {
    /** What a demo run is given. */
    public record Options(int httpPort, double stepsPerSecond, Duration conditionInterval) {
        public static final double DEFAULT_STEPS_PER_SECOND = 3;
        public static final Duration DEFAULT_CONDITION_INTERVAL = Duration.ofSeconds(5);

        public Options {
            if (httpPort < 0 || httpPort > 65535) {
                throw new IllegalArgumentException("--port-http must be a port (1-65535), or 0 for a free one; got "
                        + httpPort);
            }
            if (!(stepsPerSecond > 0 && stepsPerSecond <= 1000)) {
                throw new IllegalArgumentException("--rate must be more than 0 and at most 1000 ERP changes per second; got "
                        + java.math.BigDecimal.valueOf(stepsPerSecond).stripTrailingZeros().toPlainString());
            }
        }
    }

    /** What arrived and how the outbox ended. {@code failed} = failed actions + invalid signatures. */
    public record Summary(Map<String, Long> webhooksByFlowAndEvent, Map<String, Long> actionsByStatus, long delivered,
            long verified, long invalidSignatures, long duplicates) {
        public long failed() {
            return actionsByStatus.getOrDefault("failed", 0L) + invalidSignatures;
        }

        public String resultLine() {
            return "RESULT delivered=" + delivered + " verified=" + verified + " failed=" + failed();
        }
    }

    static final String DB = "postgres";
    /** The connector's own database on the same server (state.url). */
    static final String STATE_DB = "startyhook";
    private String stateUrl;
    static final String SLOT = "startyhook";
    /** How long the outbox must stay unchanged before the demo calls it drained. */
    static final Duration QUIET = Duration.ofSeconds(2);

    private final Options options;
    private final Consumer<String> say;
    private final Consumer<DemoReceiver.Webhook> onWebhook;
    private final Consumer<String> onErpStep;
    private final String secret = randomHex(32);
    private final String adminToken = randomHex(16);
    private Path workDir;
    private EmbeddedPostgres postgres;
    private DemoReceiver receiver;
    private ErpSimulator simulator;
    private Connector connector;
    private int consolePort;
    private boolean closed;

    /**
     * @param say       progress lines for the person watching
     * @param onWebhook each webhook as it arrives
     * @param onErpStep each simulated ERP change
     */
    public Demo(Options options, Consumer<String> say, Consumer<DemoReceiver.Webhook> onWebhook,
            Consumer<String> onErpStep) {
        this.options = options;
        this.say = say;
        this.onWebhook = onWebhook;
        this.onErpStep = onErpStep;
    }

    /** Starts everything, in order; returns once capture streams, so no simulated change is missed. */
    public synchronized void start() throws IOException, SQLException {
        workDir = Files.createTempDirectory("startyhook-demo-");
        // the receiver (key generation, TLS) starts while PostgreSQL does
        CompletableFuture<DemoReceiver> receiverStart = CompletableFuture.supplyAsync(
                () -> DemoReceiver.start(secret.getBytes(StandardCharsets.UTF_8), onWebhook));
        try {
            postgres = EmbeddedPostgres.start();
        } finally {
            receiver = receiverStart.join();
        }
        String url = postgres.jdbcUrl(DB);
        try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
                Statement s = c.createStatement()) {
            s.execute(resource("/startyhook/sql/demo/erp_schema.sql"));
        }
        say.accept("PostgreSQL " + serverVersion(url) + " (embedded, wal_level=logical) on port " + postgres.port()
                + " with the demo ERP schema (erp.customer, erp.project, erp.document, erp.product, erp.stock_movement)");
        // the recommended layout: the connector's schema in a database of its own (state.url), none of it in the ERP's
        try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + STATE_DB);
        }
        stateUrl = postgres.jdbcUrl(STATE_DB);
        say.accept("state: the connector's outbox, offsets and activations in database '" + STATE_DB + "' (state.url);"
                + " the ERP database '" + DB + "' holds none of it");

        Path caBundle = receiver.writeCertificate(workDir.resolve("receiver.pem"));
        say.accept("receiver: https://localhost:" + receiver.port() + "/ (self-signed certificate, trusted by the"
                + " connector through delivery.ca-bundle; signatures checked, duplicates dropped on X-StartyHook-Id)");

        Path rulesDir = workDir.resolve("rules");
        DemoRules rules = DemoRules.copyTo(rulesDir, receiver.port(), options.conditionInterval());
        say.accept("rules: the example flows of rules/, copied to a temporary directory with their "
                + rules.rewrittenUrls() + " webhook URLs pointed at the receiver");
        for (DemoRules.ShortenedInterval s : rules.shortenedIntervals()) {
            say.accept("  demo only: " + s.flowFile() + " scans every " + s.demo().toSeconds() + "s instead of "
                    + s.original().toSeconds() + "s, so its firings show up quickly");
        }

        simulator = new ErpSimulator(url, postgres.user(), postgres.password(), System.nanoTime(), onErpStep);
        simulator.seed();

        Map<String, String> environment = Map.of("STARTYHOOK_DEMO_SECRET", secret,
                "STARTYHOOK_DB_PASSWORD", postgres.password(), "STARTYHOOK_HTTP_ADMIN_TOKEN", adminToken);
        int activated = activateFlows(url, rulesDir, environment);
        say.accept("flows: " + activated + " activated by \"demo\" (a new or edited flow is inactive until activated)");

        consolePort = options.httpPort() > 0 ? options.httpPort() : freePort();
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("db.url", url);
        flags.put("db.user", postgres.user());
        flags.put("state.url", stateUrl);
        flags.put("rules.dir", rulesDir.toString());
        flags.put("rules.reload-interval", "1s");
        flags.put("delivery.ca-bundle", caBundle.toString());
        // the receiver is on this machine: loopback is refused (SSRF guard) unless allowed explicitly
        flags.put("delivery.allowed-private-hosts", "localhost");
        flags.put("http.port", Integer.toString(consolePort));
        connector = new Connector(ConnectorSettings.from(Settings.resolve(flags, environment, null)), environment,
                Clock.systemUTC());
        connector.start();
        awaitCapture(url, Duration.ofSeconds(60));
        say.accept("connector: running in this process; capture is streaming from replication slot '" + SLOT + "'");
    }

    private int activateFlows(String url, Path rulesDir, Map<String, String> environment) throws SQLException {
        ValidatedRules loaded = new RulesLoader(new Secrets(environment), false).load(rulesDir);
        List<Problem> problems = new ArrayList<>(loaded.problems());
        try (Database db = new Database(stateUrl, postgres.user(), postgres.password(), Database.DEFAULT_SCHEMA, 2)) {
            db.migrate();
            ValidatedRules live;
            try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password())) {
                live = new LiveValidator(c).validate(loaded.rules());
            }
            problems.addAll(live.problems());
            if (!problems.isEmpty()) {
                throw new IllegalStateException("the example rules do not validate against the demo schema: "
                        + problems.stream().map(Problem::toString).reduce((a, b) -> a + "; " + b).orElse(""));
            }
            Activations activations = new Activations(db);
            for (Flow f : live.rules().flows().values()) {
                activations.activate(f.name(), f.contentHash(), "demo");
            }
            return live.rules().flows().size();
        }
    }

    /** Capture must stream before the simulation starts: changes made before its slot exists are not events. */
    private void awaitCapture(String url, Duration max) throws SQLException {
        long deadline = System.nanoTime() + max.toNanos();
        try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
                PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, SLOT);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    Object capture = connector.health().details().get("capture");
                    boolean running = capture instanceof Map<?, ?> m && "RUNNING".equals(m.get("state"));
                    if (running && rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("capture did not start within " + max.toSeconds() + " s: "
                            + connector.health().details());
                }
                pause(100);
            }
        }
    }

    /**
     * Performs ERP steps at the configured rate until {@code stop} opens or {@code duration} (null:
     * no limit) has passed. Returns the number of steps.
     */
    public long simulate(CountDownLatch stop, Duration duration) throws SQLException, InterruptedException {
        long periodNanos = (long) (1_000_000_000L / options.stepsPerSecond());
        long start = System.nanoTime();
        long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
        long steps = 0;
        long next = start;
        while (stop.getCount() > 0 && System.nanoTime() < end) {
            simulator.step();
            steps++;
            next += periodNanos;
            long wait = Math.min(next, end) - System.nanoTime();
            if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
                break;
            }
        }
        return steps;
    }

    /**
     * Waits until capture and monitors have caught up with the last simulated changes (at least one
     * condition interval and a second have passed, and no new action appeared for two seconds) and
     * nothing is pending or being delivered; at most {@code max}, or until {@code hurry} opens.
     * Returns whether the outbox drained.
     */
    public boolean drain(Duration max, CountDownLatch hurry) throws SQLException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        long earliest = start + options.conditionInterval().plusSeconds(1).toNanos();
        long quietSince = start;
        long lastTotal = -1;
        while (System.nanoTime() < deadline && hurry.getCount() > 0) {
            Map<String, Long> counts = actionsByStatus();
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            long open = counts.getOrDefault("pending", 0L) + counts.getOrDefault("delivering", 0L);
            long now = System.nanoTime();
            if (total != lastTotal || open > 0) {
                quietSince = now;
                lastTotal = total;
            } else if (now >= earliest && now - quietSince >= QUIET.toNanos()) {
                return true;
            }
            hurry.await(200, TimeUnit.MILLISECONDS);
        }
        Map<String, Long> counts = actionsByStatus();
        return counts.getOrDefault("pending", 0L) + counts.getOrDefault("delivering", 0L) == 0;
    }

    /** Stops the connector (in-flight deliveries finish) and reports what arrived and the outbox's end state. */
    public synchronized Summary finish() throws SQLException {
        if (connector != null) {
            connector.close();
        }
        return new Summary(receiver.byFlowAndEvent(), actionsByStatus(), receiver.delivered(), receiver.verified(),
                receiver.invalidSignatures(), receiver.duplicates());
    }

    /** Actions in the outbox by status. */
    public Map<String, Long> actionsByStatus() throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(stateUrl, postgres.user(), postgres.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT status, count(*) FROM " + Database.DEFAULT_SCHEMA
                        + ".action GROUP BY status")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        return counts;
    }

    public int consolePort() {
        return consolePort;
    }

    /** The console's admin token (random per demo; printed so the console's buttons work). */
    public String adminToken() {
        return adminToken;
    }

    public DemoReceiver receiver() {
        return receiver;
    }

    /** Stops everything that runs and deletes the temporary files; safe to call twice, from any thread. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        quietly(simulator);
        quietly(connector);
        quietly(receiver);
        quietly(postgres);
        if (workDir != null) {
            deleteTree(workDir);
        }
    }

    private static void quietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing is best effort: the next part must still be closed
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the OS cleans what is left
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Demo.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the classpath: run the demo from the built jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private String serverVersion(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password())) {
            return c.getMetaData().getDatabaseProductVersion();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for capture to start");
        }
    }
}
