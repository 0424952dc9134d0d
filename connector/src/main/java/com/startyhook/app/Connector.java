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
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running connector ({@code startyhook run}): the execution service in every process; the event
 * and monitor services and retention in the leader only (docs/operations.md); rules re-read when they change
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

    /** The connector's own schema: outbox, attempts, offsets, activations, memory (state.url, else db.url). */
    private Database database;
    /** The ERP database (db.url): condition queries and catalog checks; the same pool as database unless state.url is set. */
    private Database erp;
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
    private boolean stopped;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DatabaseProbe probe;
    /** The state database's probe when it is not the ERP database, else null. */
    private final DatabaseProbe stateProbe;
    /** What start() is doing or waiting for; null once running. */
    private volatile String starting = "starting";
    private volatile String startDatabaseError;

    public Connector(ConnectorSettings settings, Map<String, String> environment, Clock clock) {
        this.settings = settings;
        this.environment = Map.copyOf(environment);
        this.clock = clock;
        this.probe = new DatabaseProbe(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), "startyhook-health");
        this.stateProbe = settings.separateState() ? new DatabaseProbe(settings.stateUrl(), settings.stateUser(),
                settings.statePassword(), "startyhook-health") : null;
    }

    /**
     * Starts every part. The HTTP endpoint comes first; then, while the database is unreachable or
     * starting up, it waits and tries again ({@link #FIRST_RETRY} doubling to {@link #MAX_RETRY}),
     * one log line per attempt, {@code /health} saying why. Returns once running, or at once when
     * {@link #close()} is called meanwhile. Throws with a clear message when the database refuses
     * the configuration (wrong password, unknown database, no logical replication) or the
     * configuration is wrong.
     */
    public void start() throws IOException, SQLException {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("connector already stopped");
            }
            LOG.info("Starting StartyHook: {}", settings);
            if (settings.httpPort() > 0) {
                ops = new OpsServer(settings.httpBind(), settings.httpPort(), settings.adminToken(), probes(),
                        registry);
                ops.unavailable(ConsoleApi.PATHS, () -> starting);
                ops.start();
            }
        }
        Database.checkSchema(settings.schema());
        if (!awaitDatabase()) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            starting = "migrating the schema " + settings.schema();
            database = new Database(settings.stateUrl(), settings.stateUser(), settings.statePassword(),
                    settings.schema(), settings.poolSize());
            database.migrate();
            // the ERP pool only reads (condition queries, the catalog): half the pool is plenty
            erp = settings.separateState() ? new Database(settings.dbUrl(), settings.dbUser(), settings.dbPassword(),
                    settings.schema(), Math.max(2, settings.poolSize() / 2), "startyhook-erp") : database;
            starting = "starting the services";
            startServices();
            starting = null;
        }
        LOG.info("StartyHook running (instance {})", delivery.instanceId());
    }

    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    /**
     * Connects (outside the pool) and runs the preflight checks until the database answers; false
     * when closed meanwhile. Failures that will not clear by waiting are thrown.
     */
    private boolean awaitDatabase() throws SQLException {
        Duration delay = FIRST_RETRY;
        for (int attempt = 1; !closed; attempt++) {
            starting = "connecting to the database";
            try (Connection c = probe.connect()) {
                DatabasePreflight.check(c);
                if (stateProbe != null) {
                    checkStateDatabase();
                }
                startDatabaseError = null;
                return true;
            } catch (SQLException e) {
                if (!DatabaseProbe.transientFailure(e)) {
                    throw e;
                }
                String why = DatabaseProbe.message(e);
                startDatabaseError = why;
                starting = "waiting for the database (attempt " + attempt + ", next in " + delay.toSeconds() + " s)";
                LOG.warn("Database at {} not reachable yet (attempt {}): {}; trying again in {} s (check db.url if"
                        + " it never comes)", Database.redactUrl(settings.dbUrl()), attempt, why, delay.toSeconds());
            }
            try {
                if (closing.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            delay = delay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : delay.multipliedBy(2);
        }
        return false;
    }

    /**
     * Connects to the state database (state.url); a failure that waiting will not clear is a
     * configuration error naming the state.* keys.
     */
    private void checkStateDatabase() throws SQLException {
        try (Connection c = stateProbe.connect()) {
            DatabasePreflight.checkState(c, settings.schema());
        } catch (SQLException e) {
            if (DatabaseProbe.transientFailure(e)) {
                throw e;
            }
            throw new com.startyhook.ConfigurationException("cannot use the state database at "
                    + Database.redactUrl(settings.stateUrl()) + " as " + settings.stateUser() + ": "
                    + DatabaseProbe.message(e) + "; check state.url, state.user and state.password"
                    + " (STARTYHOOK_STATE_PASSWORD)", e);
        }
    }

    /** The configuration keys to check after {@link #start()} failed on the database with {@code e}. */
    public static String databaseAdvice(Throwable e) {
        return DatabaseProbe.keysToFix(e);
    }

    private void startServices() throws SQLException {
        watcher = new RulesWatcher(settings.rulesDir(), database, erp.dataSource(), new Secrets(environment),
                settings.allowInsecureUrls(), settings.delivery().allowedPrivateHosts());
        watcher.reload(true);
        metrics = new ConnectorMetrics(registry, database, erp.dataSource(), settings.capture().slotName(),
                settings.slotLagWarningBytes(), this::isLeader, () -> watcher.snapshot().activeFlows());

        delivery = new DeliveryService(database, settings.delivery(), new Secrets(environment), clock,
                metrics.registry(), settings.instanceId());
        delivery.start();

        leadership = new Leadership(settings.stateUrl(), settings.stateUser(), settings.statePassword(), settings.schema(),
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

        if (ops != null) {
            new ConsoleApi(ops, database, () -> watcher.snapshot().rules().rules(), this::activationsChanged)
                    .register();
        }
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
            // related values are read from the ERP database, today the same pool as the connector's state
            events = new EventService(database, source, settings.capture(), delivery::wakeUp, clock,
                    metrics.registry(), erp.dataSource(), settings.lookup());
            events.handoff(delivery);
            monitor = new MonitorService(database, erp.dataSource(), settings.monitor(), clock, delivery::wakeUp);
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

    private OpsServer.Probes probes() {
        return new OpsServer.Probes() {
            @Override
            public OpsServer.Health health() {
                return Connector.this.health();
            }

            @Override
            public OpsServer.Health readiness() {
                return Connector.this.readiness();
            }

            @Override
            public boolean live() {
                return !closed;
            }
        };
    }

    /**
     * The /health report: 200 when the database answers and capture has not failed; while starting,
     * 503 with what start is waiting for.
     */
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        String startingNow = starting;
        if (startingNow != null) {
            d.put("state", closed ? "stopping" : "starting");
            d.put("starting", startingNow);
            String error = startDatabaseError;
            d.put("database", error == null ? "connecting" : "down");
            if (error != null) {
                d.put("databaseError", error);
            }
            return new OpsServer.Health(false, d);
        }
        boolean leader = isLeader();
        d.put("state", closed ? "stopping" : "running");
        d.put("instance", delivery.instanceId());
        d.put("role", leader ? "leader" : "standby");
        String dbError = probe.check();
        d.put("database", dbError == null ? "up" : "down");
        if (dbError != null) {
            d.put("databaseError", dbError);
        }
        if (stateProbe != null) {
            String stateError = stateProbe.check();
            d.put("stateDatabase", stateError == null ? "up" : "down");
            if (stateError != null) {
                d.put("stateDatabaseError", stateError);
                dbError = dbError == null ? stateError : dbError;
            }
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
        MonitorService m = monitor;
        if (leader && m != null) {
            Map<String, Object> monitors = new LinkedHashMap<>();
            m.schedules().forEach((flow, s) -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("interval", s.interval().toString());
                one.put("lastScanStarted", s.lastScanStarted());
                one.put("schedule", s.label());
                monitors.put(flow, one);
            });
            d.put("monitors", monitors);
        }
        Map<String, Object> slot = new LinkedHashMap<>();
        slot.put("name", settings.capture().slotName());
        slot.put("retainedWalBytes", metrics.slotLagBytes());
        d.put("slot", slot);
        d.put("outbox", metrics.actionsByStatus());
        // held deliveries: what an operator paused, and endpoints disabled (410 Gone, delivery.disable-after)
        d.put("pausedFlows", metrics.holds().pausedFlows());
        d.put("disabledEndpoints", metrics.holds().disabledEndpoints());
        RulesWatcher.Snapshot rules = watcher.snapshot();
        d.put("activeFlows", rules.activeFlows());
        d.put("rulesProblems", rules.rules().problems().size());
        // the messages themselves (first 20), so that an operator sees why an edit did not take
        d.put("rulesProblemMessages", rules.rules().problems().stream().limit(20).map(Object::toString).toList());
        d.put("rulesWarnings", rules.rules().warnings().stream().limit(20).map(Object::toString).toList());
        return new OpsServer.Health(dbError == null && captureOk, d);
    }

    /**
     * The /health/ready report: ready when started, the database answers, capture streams (or has
     * nothing to stream, or this process is a standby) and every condition flow is scanned on
     * schedule; otherwise {@code notReady} says what is not, by part.
     */
    public OpsServer.Health readiness() {
        Map<String, Object> notReady = new LinkedHashMap<>();
        Map<String, Object> d = new LinkedHashMap<>();
        String startingNow = starting;
        if (closed) {
            notReady.put("process", "stopping");
        } else if (startingNow != null) {
            notReady.put("startup", startingNow);
            if (startDatabaseError != null) {
                notReady.put("database", startDatabaseError);
            }
        } else {
            boolean leader = isLeader();
            d.put("role", leader ? "leader" : "standby");
            String dbError = probe.check();
            if (dbError != null) {
                notReady.put("database", dbError);
            }
            String stateError = stateProbe == null ? null : stateProbe.check();
            if (stateError != null) {
                notReady.put("stateDatabase", stateError);
            }
            EventService e = events;
            MonitorService m = monitor;
            if (leader && (e == null || m == null)) {
                notReady.put("capture", "starting (just elected leader)");
            } else if (leader) {
                EventServiceStatus s = e.status();
                String state = s.state().name();
                if (!"RUNNING".equals(state) && !"IDLE".equals(state)) {
                    notReady.put("capture", state + (s.lastError() == null ? "" : ": " + s.lastError()));
                }
                Map<String, Object> late = new LinkedHashMap<>();
                m.schedules().forEach((flow, s2) -> {
                    if (s2.late()) {
                        late.put(flow, "late: last scan started " + (s2.lastScanStarted() == null ? "never"
                                : s2.lastScanStarted()) + ", interval " + s2.interval());
                    }
                });
                if (!late.isEmpty()) {
                    notReady.put("monitors", late);
                }
            }
        }
        d.put("ready", notReady.isEmpty());
        if (!notReady.isEmpty()) {
            d.put("notReady", notReady);
        }
        return new OpsServer.Health(notReady.isEmpty(), d);
    }

    public PrometheusMeterRegistry meters() {
        return registry;
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
    public void close() {
        closed = true;
        closing.countDown();
        stop();
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
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
        if (erp != null && erp != database) {
            erp.close();
        }
        if (database != null) {
            database.close();
        }
        LOG.info("StartyHook stopped");
    }
}
