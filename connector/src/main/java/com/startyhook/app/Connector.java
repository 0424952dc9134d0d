package com.startyhook.app;

import com.startyhook.capture.CaptureSource;
import com.startyhook.delivery.DeliveryService;
import com.startyhook.events.EventService;
import com.startyhook.events.EventServiceStatus;
import com.startyhook.monitor.MonitorService;
import com.startyhook.ops.ConsoleApi;
import com.startyhook.ops.Leadership;
import com.startyhook.ops.OpsServer;
import com.startyhook.ops.ElementOrderRepair;
import com.startyhook.ops.Retention;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Database;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running connector ({@code startyhook run}): the execution service in every process; the event
 * and monitor services and retention in the leader only (DESIGN §9); rules re-read when they change
 * on disk and activations followed as operators change them, without a restart; health, metrics
 * and the console on a local port.
 *
 * <p>Threads: the leader services are started and stopped by the election thread and told about
 * rule changes by the housekeeping threads; both go through {@link #leaderLock}, and nothing
 * starts once {@link #close()} began.
 *
 * <p>One concern, wiring the services and starting and stopping them by role; each service is its own class.
 */
public final class Connector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);

    private final ConnectorSettings settings;
    private final Map<String, String> environment;
    private final Clock clock;
    private final Object leaderLock = new Object();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3, r -> {
        Thread t = new Thread(r, "connector-housekeeping");
        t.setDaemon(true);
        return t;
    });

    private Database database;
    private ConnectorMetrics metrics;
    private RulesWatcher watcher;
    private DeliveryService delivery;
    private Leadership leadership;
    private OpsServer ops;
    // written under leaderLock, read without it (health must not wait for an engine restart)
    private volatile EventService events;
    private volatile MonitorService monitor;
    private String appliedKey;
    private volatile boolean closed;

    public Connector(ConnectorSettings settings, Map<String, String> environment, Clock clock) {
        this.settings = settings;
        this.environment = Map.copyOf(environment);
        this.clock = clock;
    }

    /** Starts every part; throws with a clear message when the database or configuration is wrong. */
    public synchronized void start() throws IOException, SQLException {
        if (closed) {
            throw new IllegalStateException("connector already stopped");
        }
        LOG.info("Starting StartyHook: {}", settings);
        database = new Database(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), settings.schema(),
                settings.poolSize());
        try (Connection c = database.connection()) {
            DatabasePreflight.check(c);
        }
        database.migrate();
        watcher = new RulesWatcher(settings.rulesDir(), database, new Secrets(environment),
                settings.allowInsecureUrls(), settings.delivery().allowedPrivateHosts());
        watcher.reload(true);
        metrics = new ConnectorMetrics(database, settings.capture().slotName(), settings.slotLagWarningBytes(),
                this::isLeader, () -> watcher.snapshot().activeFlows());

        delivery = new DeliveryService(database, settings.delivery(), new Secrets(environment), clock,
                metrics.registry(), settings.instanceId());
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

        every(settings.rulesReloadInterval().toMillis(), "rules reload", this::followRules);
        every(settings.metricsRefreshInterval().toMillis(), "outbox and slot statistics", this::refreshStatistics);
        Retention retention = new Retention(database, settings.retentionDelivered(), settings.retentionFailed(),
                Retention.DEFAULT_BATCH);
        every(settings.retentionInterval().toMillis(), "retention", () -> {
            if (isLeader()) {
                retention.runOnce();
            }
        });
        ElementOrderRepair repair = new ElementOrderRepair(database);
        every(ElementOrderRepair.INTERVAL_SECONDS * 1000L, "element order repair", () -> {
            if (isLeader()) {
                repair.runOnce();
            }
        });

        if (settings.httpPort() > 0) {
            ops = new OpsServer(settings.httpBind(), settings.httpPort(), settings.adminToken(), this::health,
                    metrics.registry());
            new ConsoleApi(ops, database, () -> watcher.snapshot().rules().rules(), this::activationsChanged)
                    .register();
            ops.start();
        }
        LOG.info("StartyHook running (instance {})", delivery.instanceId());
    }

    private void every(long millis, String what, ThrowingRunnable task) {
        scheduler.scheduleWithFixedDelay(() -> safely(what, task), millis, millis, TimeUnit.MILLISECONDS);
    }

    // ---- leader services ------------------------------------------------------------------

    private void startLeaderServices() {
        synchronized (leaderLock) {
            if (closed || events != null) {
                return;
            }
            CaptureSource source = new CaptureSource(settings.dbUrl(), settings.dbUser(), settings.dbPassword());
            events = new EventService(database, source, settings.capture(), delivery::wakeUp, clock,
                    metrics.registry());
            monitor = new MonitorService(database, settings.monitor(), clock, delivery::wakeUp);
            appliedKey = null;
            applyToLeaderServices();
            events.start();
            monitor.start();
            LOG.info("Leader: capture and monitors started");
        }
    }

    private void stopLeaderServices() {
        synchronized (leaderLock) {
            if (events != null) {
                events.close();
                events = null;
            }
            if (monitor != null) {
                monitor.close();
                monitor = null;
            }
            appliedKey = null;
        }
    }

    /** Tells the leader services which flows are active, when that changed since they were last told. */
    private void applyToLeaderServices() {
        synchronized (leaderLock) {
            RulesWatcher.Snapshot s = watcher.snapshot();
            String key = s.activeKey();
            if (events == null || key.equals(appliedKey)) {
                return;
            }
            monitor.apply(s.rules().rules(), s.activations());
            try {
                EventServiceStatus status = events.apply(s.rules().rules(), s.activations());
                status.refusedFlows().forEach((flow, why) -> LOG.error("Flow {} is active but cannot run: {}", flow,
                        why));
                appliedKey = key;
            } catch (RuntimeException e) {
                LOG.error("Event service could not apply the flows (will try again): {}", e.getMessage());
            }
        }
    }

    // ---- rules and activations ------------------------------------------------------------

    private void followRules() throws SQLException {
        watcher.reload(false);
        applyToLeaderServices();
    }

    /** Called by the console after it activated or deactivated a flow. */
    private void activationsChanged() {
        safely("activation change", this::followRules);
    }

    // ---- health and metrics --------------------------------------------------------------

    private void refreshStatistics() throws SQLException {
        MonitorService m;
        synchronized (leaderLock) {
            m = monitor;
        }
        metrics.refresh(isLeader(), m == null ? null : m.status());
    }

    /** The /health report: 200 when the database answers and capture has not failed. */
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        boolean leader = isLeader();
        d.put("instance", delivery == null ? null : delivery.instanceId());
        d.put("role", leader ? "leader" : "standby");
        String dbError = checkDatabase();
        d.put("database", dbError == null ? "up" : "down");
        if (dbError != null) {
            d.put("databaseError", dbError);
        }
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
        slot.put("retainedWalBytes", metrics.slotLagBytes());
        d.put("slot", slot);
        d.put("outbox", metrics.actionsByStatus());
        RulesWatcher.Snapshot rules = watcher.snapshot();
        d.put("activeFlows", rules.activeFlows());
        d.put("rulesProblems", rules.rules().problems().size());
        // the messages themselves (first 20), so that an operator sees why an edit did not take
        d.put("rulesProblemMessages", rules.rules().problems().stream().limit(20).map(Object::toString).toList());
        d.put("rulesWarnings", rules.rules().warnings().stream().limit(20).map(Object::toString).toList());
        return new OpsServer.Health(dbError == null && captureOk, d);
    }

    /**
     * Opens a connection of its own with short timeouts, so that /health answers within seconds
     * when the database is unreachable instead of waiting for the pool. Returns null or the error.
     */
    private String checkDatabase() {
        java.util.Properties p = new java.util.Properties();
        if (settings.dbUser() != null) {
            p.setProperty("user", settings.dbUser());
        }
        if (settings.dbPassword() != null) {
            p.setProperty("password", settings.dbPassword());
        }
        p.setProperty("connectTimeout", "3");
        p.setProperty("loginTimeout", "5");
        p.setProperty("socketTimeout", "5");
        p.setProperty("ApplicationName", "startyhook-health");
        try (Connection c = java.sql.DriverManager.getConnection(settings.dbUrl(), p);
                var st = c.createStatement()) {
            st.execute("SELECT 1");
            return null;
        } catch (SQLException e) {
            return Objects.toString(e.getMessage(), e.toString());
        }
    }

    public PrometheusMeterRegistry meters() {
        return metrics.registry();
    }

    public boolean isLeader() {
        Leadership l = leadership;
        return l != null && l.isLeader();
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
     * Graceful stop: capture closed after its last committed batch (offsets are committed with the
     * outbox) and monitors stopped first, so nothing new is enqueued; then no new claims, in-flight
     * deliveries finished or released to pending; then the leadership released and the pool closed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("Stopping StartyHook");
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ops != null) {
            ops.close();
        }
        stopLeaderServices();
        if (delivery != null) {
            delivery.close();
        }
        if (leadership != null) {
            leadership.close();
        }
        if (database != null) {
            database.close();
        }
        LOG.info("StartyHook stopped");
    }
}
