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
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real connector, in process, as {@code startyhook run} builds it: settings resolved by
 * {@link Settings} (the benchmark's keys, then the user's overrides), rules from a directory,
 * flows activated with the content hashes the loader computes, the receiver's PEM as CA bundle.
 */
final class ConnectorUnderTest {
    static final String SCHEMA = "startyhook_bench";
    static final String SLOT = "startyhook_bench";
    static final String SECRET_ENV = "STARTYHOOK_BENCH_SECRET";

    private final Map<String, String> flags = new LinkedHashMap<>();
    private final Map<String, String> environment;
    private final Path rulesDir;
    private Connector connector;

    ConnectorUnderTest(String url, String user, String password, Path rulesDir, Path caBundle, String secret,
            Map<String, String> overrides) {
        this.rulesDir = rulesDir;
        flags.put("db.url", url);
        flags.put("db.user", user);
        flags.put("db.schema", SCHEMA);
        flags.put("rules.dir", rulesDir.toString());
        flags.put("capture.slot", SLOT);
        flags.put("capture.publication", SLOT);
        flags.put("http.port", "0");
        flags.put("delivery.ca-bundle", caBundle.toString());
        flags.put("delivery.allowed-private-hosts", "localhost"); // the local receiver (SSRF guard)
        flags.putAll(overrides);
        Map<String, String> env = new LinkedHashMap<>();
        env.put(SECRET_ENV, secret);
        if (password != null) {
            env.put("STARTYHOOK_DB_PASSWORD", password);
        }
        this.environment = Map.copyOf(env);
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
        try (Database db = new Database(s.dbUrl(), s.dbUser(), s.dbPassword(), s.schema(), 2)) {
            db.migrate();
            Activations activations = new Activations(db);
            for (Flow f : rules.rules().flows().values()) {
                activations.activate(f.name(), f.contentHash(), "bench");
            }
        }
    }

    /** Starts the connector; returns once capture streams. */
    void start() throws Exception {
        connector = new Connector(settings(), environment, Clock.systemUTC());
        connector.start();
        Wait.until("capture to run", 120, () -> "RUNNING".equals(captureState()));
    }

    String captureState() {
        Object capture = connector.health().details().get("capture");
        return capture instanceof Map<?, ?> m ? String.valueOf(m.get("state")) : "NOT-LEADER";
    }

    /**
     * The claim statement's latency since this start: p50 and p99 in ms ({@code startyhook.delivery.claim}),
     * or NaN before the first claim.
     */
    double[] claimPercentilesMs() {
        io.micrometer.core.instrument.Timer t = connector.meters().find("startyhook.delivery.claim").timer();
        double[] ms = {Double.NaN, Double.NaN};
        if (t == null || t.count() == 0) {
            return ms;
        }
        for (var v : t.takeSnapshot().percentileValues()) {
            ms[v.percentile() < 0.9 ? 0 : 1] = v.value(java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return ms;
    }

    void stop() {
        if (connector != null) {
            connector.close();
            connector = null;
        }
    }
}
