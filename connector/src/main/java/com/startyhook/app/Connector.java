package com.startyhook.app;

import com.startyhook.capture.CaptureSource;
import com.startyhook.delivery.DeliveryService;
import com.startyhook.events.EventService;
import com.startyhook.events.EventServiceStatus;
import com.startyhook.monitor.MonitorService;
import com.startyhook.ops.ConsoleApi;
import com.startyhook.ops.Leadership;
import com.startyhook.ops.OpsServer;
import com.startyhook.ops.Retention;
import com.startyhook.rules.Flow;
import com.startyhook.rules.LiveValidator;
import com.startyhook.rules.Problem;
import com.startyhook.rules.Rules;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running connector ({@code startyhook run}): the execution service in every process; the event
 * and monitor services and retention in the leader only (DESIGN §9); rules re-read when they change
 * on disk and activations followed as operators change them, without a restart; health, metrics
 * and the console on a local port.
 */
public final class Connector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);

    private final ConnectorSettings settings;
    private final Map<String, String> environment;
    private final Clock clock;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "connector-housekeeping");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AtomicLong> actionsByStatus = new ConcurrentHashMap<>();
    private final AtomicLong slotLagBytes = new AtomicLong(-1);

    private Database database;
    private DeliveryService delivery;
    private Leadership leadership;
    private OpsServer ops;
    private volatile ValidatedRules rules;
    private volatile Map<String, Activations.Activation> activations = Map.of();
    private volatile String rulesFingerprint = "";
    private volatile String appliedKey = null;
    private EventService events;
    private MonitorService monitor;
    private volatile boolean databaseUp = true;
    private boolean closed;

    public Connector(ConnectorSettings settings, Map<String, String> environment, Clock clock) {
        this.settings = settings;
        this.environment = Map.copyOf(environment);
        this.clock = clock;
    }

    /** Starts every part; throws with a clear message when the database or configuration is wrong. */
    public synchronized void start() throws IOException, SQLException {
        LOG.info("Starting StartyHook: {}", settings);
        database = new Database(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), settings.schema(),
                settings.poolSize());
        try (Connection c = database.connection()) {
            DatabasePreflight.check(c);
        }
        database.migrate();
        new JvmMemoryMetrics().bindTo(meters);
        registerGauges();
        reloadRules(true);

        delivery = new DeliveryService(database, settings.delivery(), new Secrets(environment), clock, meters,
                settings.instanceId());
        delivery.start();

        leadership = new Leadership(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), settings.schema(),
                Leadership.DEFAULT_CHECK_INTERVAL, new Leadership.Listener() {
                    @Override
                    public void elected() {
                        startLeaderServices();
                    }

                    @Override
                    public void demoted() {
                        stopLeaderServices();
                    }
                });
        leadership.start();

        long reload = Math.max(200, settings.rulesReloadInterval().toMillis());
        scheduler.scheduleWithFixedDelay(() -> safely("rules reload", () -> reloadRules(false)), reload, reload,
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> safely("outbox and slot statistics", this::refreshStatistics), 0, 5,
                TimeUnit.SECONDS);
        long retention = Math.max(1000, settings.retentionInterval().toMillis());
        Retention retentionJob = new Retention(database, settings.retentionDelivered(), settings.retentionFailed(),
                Retention.DEFAULT_BATCH);
        scheduler.scheduleWithFixedDelay(() -> {
            if (leadership.isLeader()) {
                safely("retention", retentionJob::runOnce);
            }
        }, Math.min(retention, 60_000), retention, TimeUnit.MILLISECONDS);

        if (settings.httpPort() > 0) {
            ops = new OpsServer(settings.httpBind(), settings.httpPort(), settings.adminToken(), this::health, meters);
            new ConsoleApi(ops, database, () -> rules.rules(), this::activationsChanged).register();
            ops.start();
        }
        LOG.info("StartyHook running (instance {})", delivery.instanceId());
    }

    // ---- leader services ------------------------------------------------------------------

    private synchronized void startLeaderServices() {
        if (closed) {
            return;
        }
        CaptureSource source = new CaptureSource(settings.dbUrl(), settings.dbUser(), settings.dbPassword());
        events = new EventService(database, source, settings.capture(), delivery::wakeUp, clock);
        monitor = new MonitorService(database, settings.monitor(), clock, delivery::wakeUp);
        appliedKey = null;
        applyToLeaderServices();
        events.start();
        monitor.start();
    }

    private synchronized void stopLeaderServices() {
        if (events != null) {
            events.close();
            events = null;
        }
        if (monitor != null) {
            monitor.close();
            monitor = null;
        }
    }

    private synchronized void applyToLeaderServices() {
        String key = activeKey();
        if (events == null || key.equals(appliedKey)) {
            return;
        }
        Rules current = rules.rules();
        Map<String, Activations.Activation> a = activations;
        try {
            EventServiceStatus status = events.apply(current, a);
            status.refusedFlows().forEach((flow, why) -> LOG.error("Flow {} is active but cannot run: {}", flow, why));
        } catch (RuntimeException e) {
            LOG.error("Event service could not apply the flows: {}", e.getMessage());
        }
        monitor.apply(current, a);
        appliedKey = key;
    }

    /** The active flows and their content: when it changes, the services are told. */
    private String activeKey() {
        StringBuilder b = new StringBuilder();
        for (Flow f : rules.rules().flows().values()) {
            Activations.Activation a = activations.get(f.name());
            if (a != null && a.isActiveFor(f.contentHash())) {
                b.append(f.name()).append('=').append(f.contentHash()).append('@').append(a.activatedAt()).append(';');
            }
        }
        return b.toString();
    }

    // ---- rules and activations ------------------------------------------------------------

    /** Called by the console after it activated or deactivated a flow. */
    private void activationsChanged() {
        safely("activation change", () -> reloadRules(false));
    }

    private void reloadRules(boolean initial) throws SQLException {
        String fingerprint = fingerprint(settings.rulesDir());
        Map<String, Activations.Activation> stored = new Activations(database).all();
        boolean rulesChanged = !fingerprint.equals(rulesFingerprint);
        if (rulesChanged) {
            ValidatedRules loaded = new RulesLoader(new Secrets(environment), settings.allowInsecureUrls())
                    .load(settings.rulesDir());
            ValidatedRules live;
            try (Connection c = database.connection()) {
                live = new LiveValidator(c).validate(loaded.rules());
            }
            List<Problem> problems = Stream.concat(loaded.problems().stream(), live.problems().stream()).toList();
            problems.forEach(p -> LOG.warn("Rule problem (the flow stays out until fixed): {}", p));
            ValidatedRules previous = rules;
            rules = new ValidatedRules(live.rules(), problems);
            rulesFingerprint = fingerprint;
            logStates(previous, stored, initial);
        }
        boolean activationsChanged = !stored.equals(activations);
        activations = stored;
        if (rulesChanged || activationsChanged) {
            applyToLeaderServices();
        }
    }

    private void logStates(ValidatedRules previous, Map<String, Activations.Activation> stored, boolean initial) {
        for (Flow f : rules.rules().flows().values()) {
            Flow before = previous == null ? null : previous.rules().flows().get(f.name());
            Activations.Activation a = stored.get(f.name());
            boolean active = a != null && a.isActiveFor(f.contentHash());
            if (initial) {
                LOG.info("Flow {}: {}", f.name(), active ? "active"
                        : a != null && a.activeHash() != null ? "modified since activation: inactive until `startyhook flows activate "
                                + f.name() + "`" : "inactive");
            } else if (before == null) {
                LOG.info("New flow {} ({}): inactive until `startyhook flows activate {}`", f.name(), f.file(), f.name());
            } else if (!before.contentHash().equals(f.contentHash()) && a != null && a.activeHash() != null) {
                LOG.warn("Flow {} changed on disk: inactive until `startyhook flows activate {}`", f.name(), f.name());
            }
        }
    }

    /** A hash of every rule file's name and content: cheap for a few dozen small files. */
    static String fingerprint(Path dir) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            List<Path> files = new java.util.ArrayList<>();
            Path entities = dir.resolve(RulesLoader.ENTITIES_FILE);
            if (Files.isRegularFile(entities)) {
                files.add(entities);
            }
            Path flows = dir.resolve(RulesLoader.FLOWS_DIRECTORY);
            if (Files.isDirectory(flows)) {
                try (Stream<Path> s = Files.list(flows)) {
                    s.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
                }
            }
            for (Path f : files) {
                md.update(f.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            return "unreadable:" + e.getMessage();
        }
    }

    // ---- health and metrics --------------------------------------------------------------

    private void registerGauges() {
        for (String status : List.of("pending", "delivering", "delivered", "failed", "cancelled")) {
            AtomicLong v = actionsByStatus.computeIfAbsent(status, s -> new AtomicLong());
            Gauge.builder("startyhook.outbox.actions", v, AtomicLong::get).tag("status", status)
                    .description("actions in the outbox by status").register(meters);
        }
        Gauge.builder("startyhook.outbox.depth", actionsByStatus,
                m -> m.get("pending").get() + m.get("delivering").get())
                .description("actions waiting for delivery (pending + delivering)").register(meters);
        Gauge.builder("startyhook.replication.slot.lag", slotLagBytes, AtomicLong::get).baseUnit("bytes")
                .description("WAL retained by the replication slot (-1 when it does not exist)").register(meters);
        Gauge.builder("startyhook.leader", this, c -> c.leadership != null && c.leadership.isLeader() ? 1 : 0)
                .description("1 when this process runs capture and monitors").register(meters);
        Gauge.builder("startyhook.flows.active", this, c -> c.activeKey().isEmpty() ? 0
                : c.activeKey().split(";").length).description("active flows").register(meters);
    }

    private void refreshStatistics() throws SQLException {
        try (Connection c = database.connection()) {
            Map<String, Long> counts = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT status, count(*) FROM " + database.table("action")
                    + " GROUP BY status"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
            actionsByStatus.forEach((status, v) -> v.set(counts.getOrDefault(status, 0L)));
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)"
                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, settings.capture().slotName());
                try (ResultSet rs = ps.executeQuery()) {
                    long lag = rs.next() ? rs.getLong(1) : -1;
                    if (lag > settings.slotLagWarningBytes() && slotLagBytes.get() <= settings.slotLagWarningBytes()) {
                        LOG.warn("Replication slot {} retains {} MB of WAL (over capture.slot-lag-warning): is capture"
                                + " running? A stopped connector makes PostgreSQL keep WAL; see README, slot hygiene",
                                settings.capture().slotName(), lag >> 20);
                    }
                    slotLagBytes.set(lag);
                }
            }
            databaseUp = true;
        } catch (SQLException e) {
            databaseUp = false;
            throw e;
        }
    }

    /** The /health report. */
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        boolean leader = leadership != null && leadership.isLeader();
        d.put("instance", delivery == null ? null : delivery.instanceId());
        d.put("role", leader ? "leader" : "standby");
        boolean dbOk;
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement("SELECT 1")) {
            ps.setQueryTimeout(5);
            ps.executeQuery().close();
            dbOk = true;
        } catch (SQLException e) {
            dbOk = false;
            d.put("databaseError", e.getMessage());
        }
        d.put("database", dbOk ? "up" : "down");
        boolean captureOk = true;
        EventService e = events;
        if (leader && e != null) {
            EventServiceStatus s = e.status();
            Map<String, Object> capture = new LinkedHashMap<>();
            capture.put("state", s.state().name());
            capture.put("lastError", s.lastError());
            capture.put("tables", s.tables());
            capture.put("activeFlows", s.activeFlows());
            capture.put("refusedFlows", s.refusedFlows());
            d.put("capture", capture);
            captureOk = !"FAILED".equals(s.state().name());
        }
        Map<String, Object> slot = new LinkedHashMap<>();
        slot.put("name", settings.capture().slotName());
        slot.put("retainedWalBytes", slotLagBytes.get());
        d.put("slot", slot);
        Map<String, Long> outbox = new TreeMap<>();
        actionsByStatus.forEach((k, v) -> outbox.put(k, v.get()));
        d.put("outbox", outbox);
        d.put("rulesProblems", rules == null ? 0 : rules.problems().size());
        return new OpsServer.Health(dbOk && captureOk, d);
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    public boolean isLeader() {
        return leadership != null && leadership.isLeader();
    }

    public int httpPort() {
        return ops == null ? 0 : ops.port();
    }

    public Database database() {
        return database;
    }

    private static void safely(String what, ThrowingRunnable r) {
        try {
            r.run();
        } catch (Exception e) {
            LOG.warn("{} failed: {}; will retry", what, Objects.toString(e.getMessage(), e.toString()));
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Graceful stop: no new claims, in-flight deliveries finished or released, capture closed after
     * its last committed batch (offsets are committed with the outbox), monitors stopped.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        LOG.info("Stopping StartyHook");
        scheduler.shutdownNow();
        if (ops != null) {
            ops.close();
        }
        if (delivery != null) {
            delivery.close();
        }
        if (leadership != null) {
            leadership.close();
        }
        stopLeaderServices();
        if (database != null) {
            database.close();
        }
        LOG.info("StartyHook stopped");
    }

}
