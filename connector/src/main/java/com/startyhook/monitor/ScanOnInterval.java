package com.startyhook.monitor;

import com.startyhook.rules.ConditionTrigger;
import com.startyhook.rules.Flow;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one condition flow's scans: on its interval while scheduled, or on demand. Scans of the
 * flow never overlap; a scan that outlasts the interval delays the next one, which then starts at
 * once, and says so in the log. A failing scan is logged and recorded and never escapes.
 */
final class ScanOnInterval {
    private static final Logger LOG = LoggerFactory.getLogger(ScanOnInterval.class);

    private final Flow flow;
    private final ScanFlow scan;
    private final MonitorStore store;
    private final Clock clock;
    private final Runnable onEnqueued;
    private final Supplier<Runnable> beforeCommit;
    private final ReentrantLock scanning = new ReentrantLock();
    private ScheduledExecutorService executor;
    private ScheduledFuture<?> next;
    private long generation;
    private volatile Instant monitoredSince;
    private volatile Instant lastScanStarted;

    ScanOnInterval(Flow flow, ScanFlow scan, MonitorStore store, Clock clock, Runnable onEnqueued,
            Supplier<Runnable> beforeCommit) {
        this.flow = flow;
        this.scan = scan;
        this.store = store;
        this.clock = clock;
        this.onEnqueued = onEnqueued;
        this.beforeCommit = beforeCommit;
    }

    Flow flow() {
        return flow;
    }

    Duration interval() {
        return ((ConditionTrigger) flow.trigger()).interval();
    }

    synchronized void schedule(ScheduledExecutorService on, long delayMs) {
        if (executor == null) {
            monitoredSince = clock.instant();
        }
        executor = on;
        long current = ++generation;
        try {
            next = on.schedule(() -> runScheduled(current), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            next = null;
        }
    }

    /** Stops scheduling; a scan in progress finishes. */
    synchronized void unschedule() {
        generation++;
        executor = null;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    /** Whether scans run on schedule; null when not scheduled. */
    ScanSchedule punctuality(Duration defaultTimeout) {
        Instant since = monitoredSince;
        if (!isScheduled() || since == null) {
            return null;
        }
        Duration timeout = ((ConditionTrigger) flow.trigger()).timeout();
        return ScanSchedule.of(interval(), timeout == null ? defaultTimeout : timeout, since, lastScanStarted,
                clock.instant());
    }

    private synchronized boolean isScheduled() {
        return executor != null;
    }

    private synchronized boolean isCurrent(long g) {
        return executor != null && generation == g;
    }

    private void runScheduled(long g) {
        if (!isCurrent(g)) {
            return;
        }
        Instant begin = clock.instant();
        try {
            scanNow();
        } catch (RuntimeException e) {
            LOG.error("Unexpected error in the scan of flow {}; will keep running", flow.name(), e);
        }
        Duration took = Duration.between(begin, clock.instant());
        long delay = interval().minus(took).toMillis();
        if (delay <= 0) {
            LOG.warn("Scan of flow {} took {} ms, longer than its interval of {} ms; the next scan starts now, late",
                    flow.name(), took.toMillis(), interval().toMillis());
            delay = 0;
        }
        synchronized (this) {
            if (isCurrent(g)) {
                schedule(executor, delay);
            }
        }
    }

    /** Scans now, after any scan of this flow in progress; never throws for a failing scan. */
    ScanResult scanNow() {
        scanning.lock();
        Instant begin = clock.instant();
        lastScanStarted = begin;
        try {
            ScanResult result = scan.scan(flow, beforeCommit.get());
            report(result);
            return result;
        } catch (SQLException | RuntimeException e) {
            String error = describe(e);
            long durationMs = Duration.between(begin, clock.instant()).toMillis();
            if (e instanceof SQLException || e instanceof MonitorException) {
                LOG.warn("Scan of flow {} failed: {}", flow.name(), error);
            } else {
                LOG.error("Scan of flow {} failed", flow.name(), e);
            }
            try {
                store.recordFailure(flow.name(), begin, error, durationMs);
            } catch (SQLException recordFailed) {
                LOG.warn("Could not record the failed scan of flow {}: {}", flow.name(), recordFailed.getMessage());
            }
            return ScanResult.failed(begin, durationMs, error);
        } finally {
            scanning.unlock();
        }
    }

    private void report(ScanResult result) {
        switch (result.outcome()) {
            case BASELINE -> LOG.info("Flow {}: baseline of {} elements taken{}", flow.name(), result.rows(),
                    result.fired() > 0 ? ", fired for " + result.fired() + " (fire on first scan)" : ", nothing fired");
            case SCANNED -> {
                if (result.fired() > 0) {
                    LOG.info("Flow {}: scan of {} rows fired for {} elements ({} actions) in {} ms", flow.name(),
                            result.rows(), result.fired(), result.enqueued(), result.durationMs());
                } else {
                    LOG.debug("Flow {}: scan of {} rows fired nothing in {} ms", flow.name(), result.rows(),
                            result.durationMs());
                }
            }
            case INACTIVE -> LOG.debug("Flow {} is not active for its current content; not scanned", flow.name());
            default -> { }
        }
        if (result.enqueued() > 0) {
            try {
                onEnqueued.run();
            } catch (RuntimeException e) {
                LOG.warn("The wake-up hook failed after a scan of flow {}: {}", flow.name(), e.toString());
            }
        }
    }

    /** The database's own message, with the position mapped back to the flow's query. */
    static String describe(Exception e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            StringBuilder s = new StringBuilder(m.getMessage());
            int position = ConditionQuery.positionInQuery(m.getPosition());
            if (position > 0) {
                s.append(" (at character ").append(position).append(" of the query)");
            }
            if (m.getSQLState() != null) {
                s.append(" [SQLSTATE ").append(m.getSQLState()).append(']');
            }
            return s.toString();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
