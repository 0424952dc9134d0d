package com.startyhook.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.rules.Flow;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.startyhook.testsupport.ConnectorProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One fault scenario's world: a temporary rules directory with an every-time {@code create} flow
 * and an every-time {@code update} flow on {@code erp.project}, activated for their content; a
 * {@link FaultReceiver}; connector processes with their own schema, slot and publication; the
 * ground truth read back from the ERP tables; the final check (nothing lost, each event exactly
 * once after deduplication) and its numbers. {@link #close()} kills the processes, drops the slot
 * and the publication, and deletes the temporary directory (keeping the processes' logs under
 * {@code target/fault-logs}).
 */
final class FaultBed implements AutoCloseable {
    static final String SECRET_ENV = "STARTYHOOK_FAULT_SECRET";
    static final String CREATED = "project-created";
    static final String UPDATED = "project-updated";

    /** What the receiver saw against what the database says happened. */
    record Outcome(String fault, long produced, long delivered, long duplicates, long lost, long extra,
            long refusedRequests, Duration wall) {
        String line() {
            return String.format("%-32s produced=%d delivered=%d duplicates=%d lost=%d extra=%d refused-requests=%d"
                    + " wall=%.1fs", fault, produced, delivered, duplicates, lost, extra, refusedRequests,
                    wall.toMillis() / 1000.0);
        }
    }

    private final String name;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String schema;
    private final String secret = "whsec_fault-" + UUID.randomUUID();
    private final Path directory;
    private final Path rulesDir;
    private final FaultReceiver receiver;
    private final List<ConnectorProcess> processes = new ArrayList<>();
    private final Instant started = Instant.now();
    private final Map<String, String> extraEnvironment = new LinkedHashMap<>();

    FaultBed(String name, String jdbcUrl, String user, String password) {
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.schema = "sh_" + name.replaceAll("[^a-z0-9]", "_");
        try {
            this.directory = Files.createTempDirectory("startyhook-fault-" + name);
            this.rulesDir = Files.createDirectories(directory.resolve("rules"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.receiver = new FaultReceiver(secret, directory);
    }

    FaultReceiver receiver() {
        return receiver;
    }

    String prefix() {
        return name.toUpperCase().replaceAll("[^A-Z0-9]", "");
    }

    /** Sets a {@code STARTYHOOK_*} variable for processes created afterwards. */
    FaultBed with(String variable, String value) {
        extraEnvironment.put(variable, value);
        return this;
    }

    /** Writes the two flows, with the given response timeout and retry schedule, and activates them. */
    FaultBed flows(String timeout, List<String> schedule) throws IOException, SQLException {
        Files.writeString(rulesDir.resolve("entities.json"), """
                {"entities": {"project": {"table": "erp.project", "key": ["id"], "organization": "organization_id",
                  "created": "created_at", "modified": "updated_at"}}}
                """, StandardCharsets.UTF_8);
        Path flows = Files.createDirectories(rulesDir.resolve("flows"));
        String retry = schedule.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
        for (String[] f : List.of(new String[] {CREATED, "create"}, new String[] {UPDATED, "update"})) {
            Files.writeString(flows.resolve(f[0] + ".json"), """
                    {"name": "%s", "description": "fault suite: every %s of a project", "entity": "project",
                     "trigger": {"type": "event", "events": ["%s"]}, "mode": "every-time",
                     "actions": [{"type": "webhook", "url": "%s", "secret": "env:%s", "timeout": "%s",
                                  "retry": {"schedule": [%s]}}]}
                    """.formatted(f[0], f[1], f[1], receiver.url("/hooks/" + f[0]), SECRET_ENV, timeout, retry),
                    StandardCharsets.UTF_8);
        }
        ValidatedRules loaded = new RulesLoader(new Secrets(Map.of(SECRET_ENV, secret)), false).load(rulesDir);
        assertThat(loaded.problems()).as("problems in the fault suite's flows").isEmpty();
        try (Database db = new Database(jdbcUrl, user, password, schema, 4)) {
            db.migrate();
            Activations activations = new Activations(db);
            for (Flow flow : loaded.rules().flows().values()) {
                activations.activate(flow.name(), flow.contentHash(), "fault-suite");
            }
        }
        return this;
    }

    /** The environment of {@code startyhook run}: short leases, polls and backoffs so faults clear quickly. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STARTYHOOK_DB_URL", jdbcUrl);
        env.put("STARTYHOOK_DB_USER", user);
        env.put("STARTYHOOK_DB_PASSWORD", password);
        env.put("STARTYHOOK_DB_SCHEMA", schema);
        env.put("STARTYHOOK_DB_POOL_SIZE", "6");
        env.put("STARTYHOOK_RULES_DIR", rulesDir.toString());
        env.put("STARTYHOOK_RULES_RELOAD_INTERVAL", "1s");
        env.put("STARTYHOOK_CAPTURE_SLOT", schema);
        env.put("STARTYHOOK_CAPTURE_PUBLICATION", schema);
        env.put("STARTYHOOK_CAPTURE_HEARTBEAT_INTERVAL", "2s");
        env.put("STARTYHOOK_CAPTURE_RESTART_BACKOFF", "500ms");
        env.put("STARTYHOOK_CAPTURE_RESTART_BACKOFF_MAX", "4s");
        env.put("STARTYHOOK_DELIVERY_CA_BUNDLE", receiver.caBundle().toString());
        env.put("STARTYHOOK_DELIVERY_ALLOWED_PRIVATE_HOSTS", "localhost"); // the local receiver (SSRF guard)
        env.put("STARTYHOOK_DELIVERY_LEASE", "3s");
        env.put("STARTYHOOK_DELIVERY_POLL_INTERVAL", "250ms");
        env.put("STARTYHOOK_DELIVERY_CONNECT_TIMEOUT", "2s");
        env.put("STARTYHOOK_DELIVERY_SHUTDOWN_GRACE", "2s");
        env.put(SECRET_ENV, secret);
        env.putAll(extraEnvironment);
        return env;
    }

    /** A connector process of this scenario (not started). */
    ConnectorProcess connector(String processName) {
        ConnectorProcess p = new ConnectorProcess(name + "-" + processName, environment(), directory);
        processes.add(p);
        return p;
    }

    /** Waits until {@code leader} leads and streams from its slot: changes from now on are events. */
    void awaitCapturing(ConnectorProcess leader) {
        await(leader.name() + " leading and capturing").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> "leader".equals(leader.role()) && "RUNNING".equals(leader.captureState())
                        && slotActive());
    }

    boolean slotActive() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + schema
                        + "' AND active")) {
            rs.next();
            return rs.getLong(1) == 1;
        }
    }

    /** Expected distinct deliveries per {@code flow|element}, from the ERP table: the ground truth. */
    Map<String, Integer> expected() throws SQLException {
        Map<String, Integer> m = new TreeMap<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, budget FROM erp.project WHERE code LIKE '" + prefix()
                        + "-%'")) {
            while (rs.next()) {
                m.put(CREATED + "|" + rs.getLong(1), 1);
                int updates = rs.getBigDecimal(2).intValueExact();
                if (updates > 0) {
                    m.put(UPDATED + "|" + rs.getLong(1), updates);
                }
            }
        }
        return m;
    }

    /** Expected deliveries not (yet) seen by the receiver. */
    long missing(Map<String, Integer> expected) {
        Map<String, Integer> got = receiver.distinctByFlowAndElement();
        long lost = 0;
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            lost += Math.max(0, e.getValue() - got.getOrDefault(e.getKey(), 0));
        }
        return lost;
    }

    /** Actions still waiting (pending or delivering) in this scenario's outbox. */
    long openActions() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".action WHERE status IN"
                        + " ('pending', 'delivering')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The outbox's actions by status. */
    Map<String, Long> outboxByStatus() throws SQLException {
        Map<String, Long> m = new TreeMap<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT status, count(*) FROM " + schema + ".action GROUP BY 1")) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getLong(2));
            }
        }
        return m;
    }

    /**
     * Waits until every expected event was delivered and the outbox is quiet, then checks that
     * after deduplication each expected event arrived exactly once (no loss, no event twice under
     * two ids, nothing unexpected) with valid signatures, and returns the numbers.
     */
    Outcome verifyEverythingDeliveredOnce(String fault, Duration atMost) throws SQLException {
        return verifyDeliveredOnce(fault, atMost, Map.of());
    }

    /**
     * As {@link #verifyEverythingDeliveredOnce}, except that {@code failedOnPurpose} events (per
     * {@code flow|element}) are expected to end {@code failed} in the outbox instead of delivered.
     */
    Outcome verifyDeliveredOnce(String fault, Duration atMost, Map<String, Integer> failedOnPurpose)
            throws SQLException {
        Map<String, Integer> expected = new TreeMap<>(expected());
        assertThat(expected).as("the load produced events").isNotEmpty();
        failedOnPurpose.forEach((k, n) -> expected.merge(k, -n, Integer::sum));
        expected.values().removeIf(n -> n == 0);
        long failed = failedOnPurpose.values().stream().mapToLong(Integer::longValue).sum();
        try {
            await(fault + ": every event delivered").atMost(atMost).pollInterval(Duration.ofMillis(500))
                    .until(() -> missing(expected) == 0 && openActions() == 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(fault + ": " + missing(expected) + " of " + total(expected)
                    + " events missing; outbox " + outboxByStatus() + "; logs in " + logsDirectory(), e);
        }
        Map<String, Integer> got = receiver.distinctByFlowAndElement();
        long lost = missing(expected);
        long extra = 0;
        for (Map.Entry<String, Integer> e : got.entrySet()) {
            extra += Math.max(0, e.getValue() - expected.getOrDefault(e.getKey(), 0));
        }
        Outcome outcome = new Outcome(fault, total(expected) + failed, receiver.delivered().size(),
                receiver.duplicates(), lost, extra, receiver.refusedRequests(), Duration.between(started, Instant.now()));
        report(outcome);
        assertThat(receiver.invalidSignatures()).as("requests with a bad signature").isEmpty();
        assertThat(outcome.lost()).as("events lost").isZero();
        assertThat(got).as("distinct deliveries per flow|element after deduplication on X-StartyHook-Id")
                .isEqualTo(expected);
        Map<String, Long> outbox = new TreeMap<>(Map.of("delivered", total(expected)));
        if (failed > 0) {
            outbox.put("failed", failed);
        }
        assertThat(outboxByStatus()).as("outbox").isEqualTo(outbox);
        return outcome;
    }

    static long total(Map<String, Integer> expected) {
        return expected.values().stream().mapToLong(Integer::longValue).sum();
    }

    /** Prints the scenario's numbers and appends them to {@code target/fault-report.txt}. */
    void report(Outcome outcome) {
        String line = outcome.line();
        System.out.println("FAULT " + line);
        try {
            Path file = Path.of("target", "fault-report.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("could not write the fault report: " + e.getMessage());
        }
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    ProjectLoad load(long seed, long pauseMillis) {
        return new ProjectLoad(jdbcUrl, user, password, prefix(), seed, pauseMillis);
    }

    Path logsDirectory() {
        return Path.of("target", "fault-logs", name).toAbsolutePath();
    }

    @Override
    public void close() {
        for (ConnectorProcess p : processes) {
            p.close();
        }
        receiver.close();
        try {
            Path logs = Files.createDirectories(logsDirectory());
            for (ConnectorProcess p : processes) {
                if (Files.exists(p.logFile())) {
                    Files.copy(p.logFile(), logs.resolve(p.logFile().getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            System.out.println("could not keep the connector logs: " + e.getMessage());
        }
        dropSlotAndPublication();
        deleteRecursively(directory);
    }

    private void dropSlotAndPublication() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (int i = 0; i < 50; i++) {
                try {
                    s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '"
                            + schema + "' AND active_pid IS NOT NULL");
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                            + schema + "'");
                    break;
                } catch (SQLException stillActive) {
                    Thread.sleep(100);
                }
            }
            s.execute("DROP PUBLICATION IF EXISTS " + schema);
        } catch (SQLException e) {
            System.out.println("could not drop slot/publication " + schema + " (the database may be gone): "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException e) {
            System.out.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
