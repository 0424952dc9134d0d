package com.startyhook.bench;

import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorSettings;
import com.startyhook.config.Settings;
import com.startyhook.rules.Flow;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.startyhook.config.ConfigCatalogue;
import com.startyhook.config.ConfigKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real connector as {@code startyhook run} builds it: settings resolved by {@link Settings}
 * (the benchmark's keys, then the user's overrides), rules from a directory, flows activated with
 * the content hashes the loader computes, the receiver's PEM as CA bundle. By default it runs in a
 * process of its own ({@link ConnectorProcess}, {@code java -Xmx256m -jar startyhook.jar run}), so
 * that its CPU, memory and start are its own; {@code --in-process} runs it inside the benchmark's JVM.
 *
 * <p>The one place that builds the connector's settings: the ERP database ({@code db.*}) and, in
 * the layout {@code --state separate}, the database of the connector's own schema ({@code state.*}).
 */
final class ConnectorUnderTest {
    static final String SCHEMA = "startyhook_bench";
    static final String SLOT = "startyhook_bench";
    static final String SECRET_ENV = "STARTYHOOK_BENCH_SECRET";
    private static final JsonMapper JSON = new JsonMapper();

    private final Map<String, String> flags = new LinkedHashMap<>();
    private final Map<String, String> environment;
    private final Path rulesDir;
    private final boolean inProcess;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Connector connector;
    private ConnectorProcess process;
    private int port;
    private long startedAt;
    private int starts;

    /**
     * @param erp   the ERP database (capture, slot, publication)
     * @param state where the connector's schema lives: null for the ERP database itself (no {@code state.*} keys)
     */
    ConnectorUnderTest(BenchDatabase erp, BenchDatabase state, Path rulesDir, Path caBundle, String secret,
            Map<String, String> overrides, boolean inProcess) {
        this.rulesDir = rulesDir;
        this.inProcess = inProcess;
        flags.put("db.url", erp.url());
        flags.put("db.user", erp.user());
        flags.put("db.schema", SCHEMA);
        if (state != null) {
            flags.put("state.url", state.url());
            flags.put("state.user", state.user());
        }
        flags.put("rules.dir", rulesDir.toString());
        flags.put("capture.slot", SLOT);
        flags.put("capture.publication", SLOT);
        flags.put("http.port", "0");
        flags.put("delivery.ca-bundle", caBundle.toString());
        flags.put("delivery.allowed-private-hosts", "localhost"); // the local receiver (SSRF guard)
        flags.putAll(overrides);
        Map<String, String> env = new LinkedHashMap<>();
        env.put(SECRET_ENV, secret);
        if (erp.password() != null) {
            env.put(passwordVariable("db.password"), erp.password());
        }
        if (state != null && state.password() != null) {
            env.put(passwordVariable("state.password"), state.password());
        }
        this.environment = Map.copyOf(env);
    }

    /** The environment variable of a secret key ({@code STARTYHOOK_DB_PASSWORD}, {@code STARTYHOOK_STATE_PASSWORD}). */
    private static String passwordVariable(String key) {
        ConfigKey k = ConfigCatalogue.get(key);
        return k != null ? k.environmentVariable()
                : "STARTYHOOK_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    ConnectorSettings settings() {
        return ConnectorSettings.from(Settings.resolve(flags, environment, null));
    }

    /** Writes entities.json (the shipped example) and one file per flow into the rules directory. */
    static void writeRules(Path dir, Map<String, String> flows) throws IOException {
        Files.createDirectories(dir.resolve(RulesLoader.FLOWS_DIRECTORY));
        try (InputStream in = ConnectorUnderTest.class.getResourceAsStream("/startyhook/rules/entities.json")) {
            if (in == null) {
                throw new IllegalStateException("rules/entities.json is not on the classpath");
            }
            Files.write(dir.resolve(RulesLoader.ENTITIES_FILE), in.readAllBytes());
        }
        for (var f : flows.entrySet()) {
            Files.writeString(dir.resolve(RulesLoader.FLOWS_DIRECTORY).resolve(f.getKey() + ".json"), f.getValue(),
                    StandardCharsets.UTF_8);
        }
    }

    /** Migrates the connector's schema and activates every flow of the rules directory. */
    void activateAll() throws SQLException {
        ConnectorSettings s = settings();
        ValidatedRules rules = new RulesLoader(new Secrets(environment), false).load(rulesDir);
        if (!rules.isClean()) {
            throw new IllegalStateException("the benchmark's rules have problems: " + rules.problems());
        }
        // the connector's schema is where state.* says (the lead's key), else in the ERP database
        String url = flags.getOrDefault("state.url", s.dbUrl());
        String user = flags.getOrDefault("state.user", s.dbUser());
        String password = flags.containsKey("state.url") ? environment.get(passwordVariable("state.password"))
                : s.dbPassword();
        try (Database db = new Database(url, user, password, s.schema(), 2)) {
            db.migrate();
            Activations activations = new Activations(db);
            for (Flow f : rules.rules().flows().values()) {
                activations.activate(f.name(), f.contentHash(), "bench");
            }
        }
    }

    /** Starts the connector; returns once capture streams. {@link #startedAt()} is just before it started. */
    void start() throws Exception {
        starts++;
        if (inProcess) {
            startedAt = System.nanoTime();
            connector = new Connector(settings(), environment, Clock.systemUTC());
            connector.start();
            Wait.until("capture to run", 120, () -> "RUNNING".equals(captureState()));
            return;
        }
        Map<String, String> run = new LinkedHashMap<>(flags);
        port = freePort();
        run.put("http.port", Integer.toString(port));
        Path log = rulesDir.resolveSibling(rulesDir.getFileName() + "-connector-" + starts + ".log");
        startedAt = System.nanoTime();
        process = ConnectorProcess.start(ConnectorProcess.jar(), run, environment, log);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!"RUNNING".equals(captureState())) {
            process.requireAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting 120 s for the connector process's capture to run;"
                        + " the end of its log (" + log + "):\n" + process.tail());
            }
            Thread.sleep(100); // each /health asks the database once: not too often
        }
    }

    /** {@link System#nanoTime()} just before the last start. */
    long startedAt() {
        return startedAt;
    }

    /** The connector's process id, or -1 in process. */
    long pid() {
        return process == null ? -1 : process.pid();
    }

    /** The connector process's CPU time (user + system) since its start in µs, or -1 (in process, or no /proc). */
    long cpuMicros() {
        return process == null ? -1 : ProcStat.cpuMicros(process.pid());
    }

    /** The connector process's peak RSS since its start in MB, or -1 (in process, or no /proc). */
    long peakRssMb() {
        return process == null ? -1 : ProcStat.peakRssMb(process.pid());
    }

    boolean inProcess() {
        return inProcess;
    }

    String captureState() {
        if (connector != null) {
            Object capture = connector.health().details().get("capture");
            return capture instanceof Map<?, ?> m ? String.valueOf(m.get("state")) : "NOT-LEADER";
        }
        try {
            JsonNode capture = JSON.readTree(get("/health")).findValue("capture");
            return capture == null ? "NOT-LEADER" : capture.path("state").asText();
        } catch (IOException e) {
            return "UNREACHABLE"; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "INTERRUPTED";
        }
    }

    /**
     * The claim statement's latency since this start: p50 and p99 in ms ({@code startyhook.delivery.claim},
     * in process from its meters, else from the process's /metrics), or NaN before the first claim.
     */
    double[] claimPercentilesMs() throws InterruptedException {
        double[] ms = {Double.NaN, Double.NaN};
        if (connector != null) {
            io.micrometer.core.instrument.Timer t = connector.meters().find("startyhook.delivery.claim").timer();
            if (t == null || t.count() == 0) {
                return ms;
            }
            for (var v : t.takeSnapshot().percentileValues()) {
                ms[v.percentile() < 0.9 ? 0 : 1] = v.value(java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            return ms;
        }
        try {
            for (String line : get("/metrics").split("\n")) {
                if (line.startsWith("startyhook_delivery_claim_seconds{") && line.contains("quantile=")) {
                    double seconds = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    ms[line.contains("quantile=\"0.5\"") ? 0 : 1] = seconds * 1000;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // NaN: printed as such
        }
        return ms;
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops it (the process with SIGTERM, waiting for it to end). */
    void stop() throws InterruptedException {
        if (connector != null) {
            connector.close();
            connector = null;
        }
        if (process != null) {
            ConnectorProcess p = process;
            process = null;
            int code = p.stop();
            if (code != 0 && code != 143) {
                throw new IllegalStateException("the connector process exited with code " + code + " on SIGTERM; the"
                        + " end of its log:\n" + p.tail());
            }
        }
    }
}
