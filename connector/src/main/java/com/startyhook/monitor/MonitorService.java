package com.startyhook.monitor;

import com.startyhook.outbox.OutboxWriter;
import com.startyhook.rules.ConditionTrigger;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor service (docs/monitor.md): scans the active condition flows on their intervals, on a pool
 * of {@link MonitorConfig#threads()} threads, and enqueues the actions their firings create.
 *
 * <p>{@link #apply} sets which flows run (hot reload); {@link #start()} and {@link #close()} are
 * idempotent and cheap and may alternate (a leader election toggles them). Every scan re-checks
 * the flow's activation in the database, so a flow deactivated elsewhere stops firing at once.
 */
public final class MonitorService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorService.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final MonitorConfig config;
    private final Clock clock;
    private final Runnable onEnqueued;
    private final MonitorStore store;
    private final ScanFlow scan;
    private final Database database;
    private final Map<String, ScanOnInterval> flows = new LinkedHashMap<>();
    private volatile Runnable beforeCommit = () -> { };
    private ScheduledThreadPoolExecutor executor;

    /**
     * @param onEnqueued called after a scan committed new actions (wakes the delivery workers)
     */
    public MonitorService(Database database, MonitorConfig config, Clock clock, Runnable onEnqueued) {
        this(database, database.dataSource(), config, clock, onEnqueued);
    }

    /**
     * @param database   the connector's state database (scan state, memory, outbox)
     * @param erp        the ERP database the condition queries read (read-only transactions)
     * @param onEnqueued called after a scan committed new actions (wakes the delivery workers)
     */
    public MonitorService(Database database, javax.sql.DataSource erp, MonitorConfig config, Clock clock,
            Runnable onEnqueued) {
        this.database = Objects.requireNonNull(database);
        this.config = Objects.requireNonNull(config);
        this.clock = Objects.requireNonNull(clock);
        this.onEnqueued = Objects.requireNonNull(onEnqueued);
        this.store = new MonitorStore(database);
        this.scan = new ScanFlow(store, Objects.requireNonNull(erp), new OutboxWriter(database), config, clock);
    }

    public MonitorService(Database database, MonitorConfig config) {
        this(database, config, Clock.systemUTC(), () -> { });
    }

    /** Runs the condition flows of {@code rules} whose current content is active, per the database. */
    public void apply(Rules rules) throws SQLException {
        apply(rules, new Activations(database).all());
    }

    /**
     * Runs exactly the condition flows of {@code rules} whose current content hash is active in
     * {@code activations}. Unchanged flows keep their schedule; changed ones restart; others stop.
     */
    public synchronized void apply(Rules rules, Map<String, Activations.Activation> activations) {
        Map<String, Flow> wanted = new LinkedHashMap<>();
        for (Flow flow : rules.flows().values()) {
            Activations.Activation a = activations.get(flow.name());
            if (flow.trigger() instanceof ConditionTrigger t && a != null && a.isActiveFor(flow.contentHash())) {
                if (t.interval() == null || t.interval().isNegative() || t.interval().isZero()) {
                    LOG.warn("Flow {} is not scanned: its interval must be a positive duration, got {}",
                            flow.name(), t.interval());
                    continue;
                }
                wanted.put(flow.name(), flow);
            }
        }
        flows.entrySet().removeIf(e -> {
            boolean keep = e.getValue().flow().equals(wanted.get(e.getKey()));
            if (!keep) {
                e.getValue().unschedule();
                LOG.info("Flow {}: monitoring stopped", e.getKey());
            }
            return !keep;
        });
        for (Flow flow : wanted.values()) {
            flows.computeIfAbsent(flow.name(), name -> {
                ScanOnInterval s = new ScanOnInterval(flow, scan, store, clock, onEnqueued, () -> beforeCommit);
                if (executor != null) {
                    s.schedule(executor, 0);
                }
                LOG.info("Flow {}: monitoring every {}", name, s.interval());
                return s;
            });
        }
    }

    /** Starts scanning on the flows' intervals (each flow's first scan at once); a no-op when running. */
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = new ScheduledThreadPoolExecutor(config.threads(), threadFactory());
        executor.setRemoveOnCancelPolicy(true);
        flows.values().forEach(s -> s.schedule(executor, 0));
        LOG.info("Monitor started: {} condition flows, {} threads", flows.size(), config.threads());
    }

    public synchronized boolean isRunning() {
        return executor != null;
    }

    /** Stops scanning, waiting a little for scans in progress; a no-op when stopped. {@link #start()} may follow. */
    @Override
    public void close() {
        ScheduledThreadPoolExecutor stopping;
        synchronized (this) {
            if (executor == null) {
                return;
            }
            flows.values().forEach(ScanOnInterval::unschedule);
            stopping = executor;
            executor = null;
        }
        stopping.shutdown();
        try {
            if (!stopping.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Monitor: scans still running after {} s; interrupting them", STOP_WAIT.toSeconds());
                stopping.shutdownNow();
            }
        } catch (InterruptedException e) {
            stopping.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("Monitor stopped");
    }

    /** The flows currently monitored (applied and active), by name. */
    public synchronized Set<String> monitoredFlows() {
        return Set.copyOf(flows.keySet());
    }

    /**
     * Scans {@code flowName} now, after any scan of it in progress, whether or not the service is
     * started; failures are recorded and returned, not thrown.
     *
     * @throws IllegalArgumentException when the flow is not monitored (unknown, not a condition, or inactive)
     */
    public ScanResult scanNow(String flowName) {
        ScanOnInterval s;
        synchronized (this) {
            s = flows.get(flowName);
        }
        if (s == null) {
            throw new IllegalArgumentException("flow " + flowName + " is not monitored: it is unknown, not a"
                    + " condition flow, or not active (activate it with: flows activate " + flowName + ")");
        }
        return s.scanNow();
    }

    /**
     * Whether each monitored flow is scanned on schedule, by flow name (empty while stopped); read
     * from memory, so that a readiness probe never waits for the database.
     */
    public synchronized Map<String, ScanSchedule> schedules() {
        Map<String, ScanSchedule> out = new TreeMap<>();
        if (executor == null) {
            return out;
        }
        flows.forEach((name, s) -> {
            ScanSchedule schedule = s.punctuality(config.defaultTimeout());
            if (schedule != null) {
                out.put(name, schedule);
            }
        });
        return out;
    }

    /** Each condition flow's last scan, by flow name, as stored (also of flows not monitored right now). */
    public Map<String, FlowStatus> status() throws SQLException {
        return store.statuses();
    }

    /** Each condition flow's last scan, read from the database, without a running service (the flows command). */
    public static Map<String, FlowStatus> status(Database database) throws SQLException {
        return new MonitorStore(database).statuses();
    }

    /** Test seam: runs after a scan wrote everything and before it commits; throwing there is a crash. */
    void beforeCommit(Runnable seam) {
        this.beforeCommit = Objects.requireNonNull(seam);
    }

    private static ThreadFactory threadFactory() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "startyhook-monitor-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
