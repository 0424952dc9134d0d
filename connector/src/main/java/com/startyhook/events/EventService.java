package com.startyhook.events;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureEngine;
import com.startyhook.capture.CaptureException;
import com.startyhook.capture.CaptureSource;
import com.startyhook.capture.CommittedTransaction;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event service (docs/capture.md): captures the ERP database's WAL for the tables that active event
 * flows use, turns each transaction's net changes into business events, and enqueues the flows'
 * actions in the outbox exactly once. {@link #apply} changes the active flows at runtime; the
 * publication and the engine follow.
 */
public final class EventService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventService.class);

    /** Failures a test can inject (package-private seam). */
    enum FailurePoint { AFTER_OUTBOX_COMMIT, MID_TRANSACTION }

    private final Database database;
    private final String publication;
    private final CaptureSource source;
    private final EventSink sink;
    private final CaptureEngine engine;
    private final AtomicReference<FailurePoint> failure = new AtomicReference<>();

    private volatile FlowMatcher matcher = FlowMatcher.NONE;
    private volatile Map<String, String> refused = Map.of();
    private boolean started;
    /** Set by the first successful {@link #apply}: until then an empty flow set proves nothing. */
    private boolean applied;

    public EventService(Database database, CaptureSource source, CaptureConfig config, Runnable wakeUp, Clock clock) {
        this(database, source, config, wakeUp, clock, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /**
     * @param meters where the counters {@code startyhook.capture.changes{table,kind}} (net row changes
     *               read from the WAL) and {@code startyhook.events.detected{event,flow}} go
     */
    public EventService(Database database, CaptureSource source, CaptureConfig config, Runnable wakeUp, Clock clock,
            io.micrometer.core.instrument.MeterRegistry meters) {
        this(database, source, config, wakeUp, clock, meters, database.dataSource(), LookupConfig.defaults());
    }

    /**
     * @param erp    where related values (docs/rules.md) are read when events are detected: only SELECTs,
     *               each bounded by {@code lookup.timeout()}
     * @param lookup the related values' cache and time bound
     */
    public EventService(Database database, CaptureSource source, CaptureConfig config, Runnable wakeUp, Clock clock,
            io.micrometer.core.instrument.MeterRegistry meters, javax.sql.DataSource erp, LookupConfig lookup) {
        this.database = database;
        this.source = source;
        this.publication = config.publicationName();
        this.sink = new EventSink(database.schema(), meters, erp, lookup, clock);
        this.engine = new CaptureEngine(source, database.dataSource(), database.schema(), config,
                new FailureInjectingSink(sink, wakeUp, failure), clock);
    }

    /**
     * Lets {@code handoff} (this process's delivery) take the actions the capture enqueues that are due at once
     * without a claim ({@code delivery.handoff}); before {@link #start}.
     */
    public void handoff(com.startyhook.outbox.Handoff handoff) {
        sink.handoff(handoff);
    }

    /** Starts capturing for the flows last {@link #apply applied}; without any, no engine runs. */
    public synchronized void start() {
        started = true;
        if (applied) {
            engine.capture(matcher.tables(), true);
        } else {
            // Never act on "no flows" that merely means apply() has not succeeded yet (e.g. the
            // database refused a connection): with no tables the engine would drop the slot and
            // its offsets, and the changes since the last offset would be lost.
            LOG.warn("Capture waits for the event flows to be applied successfully before it starts");
        }
    }

    /**
     * Makes the event flows of {@code rules} that {@code activations} marks active for their current
     * content the ones that are matched. A flow that cannot run is refused with a message naming
     * the flow, the table and the fix; the others run.
     *
     * @return the service's status after the change
     */
    public synchronized EventServiceStatus apply(Rules rules, Map<String, Activations.Activation> activations) {
        List<ActiveFlow> accepted = new ArrayList<>();
        Map<String, String> problems = new TreeMap<>();
        try (Connection c = source.connect()) {
            FlowCheck check = new FlowCheck(c, database.schema(), publication);
            for (Flow flow : rules.flows().values()) {
                if (!(flow.trigger() instanceof EventTrigger trigger)) {
                    continue;
                }
                Activations.Activation activation = activations.get(flow.name());
                if (activation == null || !activation.isActiveFor(flow.contentHash())) {
                    continue;
                }
                Entity entity = rules.entityOf(flow);
                String problem = check.problem(flow, entity);
                if (problem != null) {
                    problems.put(flow.name(), problem);
                    LOG.error("Event flow refused: {}", problem);
                    continue;
                }
                accepted.add(new ActiveFlow(flow, entity, trigger, activation.activatedAt()));
            }
        } catch (SQLException e) {
            throw new CaptureException("cannot read the ERP database's catalog to check the event flows: "
                    + e.getMessage(), e);
        }
        matcher = new FlowMatcher(accepted);
        refused = Map.copyOf(problems);
        sink.use(matcher);
        applied = true;
        LOG.info("Event flows active: {}{}", names(accepted), problems.isEmpty() ? "" : ", refused: " + problems.keySet());
        if (started) {
            engine.capture(matcher.tables(), true);
        }
        return status();
    }

    /** Reads without taking the service's lock, so /health answers while an apply restarts the engine. */
    public EventServiceStatus status() {
        FlowMatcher m = matcher;
        Map<String, String> r = refused;
        return new EventServiceStatus(engine.state(), engine.lastError(), names(m.flows()), r, engine.tables());
    }

    @Override
    public synchronized void close() {
        started = false;
        engine.close();
        sink.forgetUncommitted(); // room reserved by a write that failed is given back to delivery
    }

    /** Test seam: the next time the point is reached, capture fails as if the process had crashed there. */
    void failOnce(FailurePoint point) {
        failure.set(point);
    }

    private static Set<String> names(List<ActiveFlow> flows) {
        Set<String> names = new TreeSet<>();
        for (ActiveFlow f : flows) {
            names.add(f.flow().name());
        }
        return names;
    }

    /** Wakes delivery after each commit, and fails where a test asked it to. */
    private record FailureInjectingSink(EventSink sink, Runnable wakeUp, AtomicReference<FailurePoint> failure)
            implements com.startyhook.capture.TransactionSink {
        @Override
        public int write(Connection connection, List<CommittedTransaction> transactions) throws SQLException {
            return sink.write(connection, transactions);
        }

        @Override
        public void committed(int actionsEnqueued) {
            // the actions inserted leased go to this process's workers; the others are claimed (the insert's
            // NOTIFY wakes every process's workers; this wakes ours at once)
            if (actionsEnqueued > sink.handOver()) {
                wakeUp.run();
            }
            if (actionsEnqueued > 0 && failure.compareAndSet(FailurePoint.AFTER_OUTBOX_COMMIT, null)) {
                throw new CaptureException("injected failure after the outbox commit");
            }
        }

        @Override
        public void batchHandled(boolean transactionOpen) {
            if (transactionOpen && failure.compareAndSet(FailurePoint.MID_TRANSACTION, null)) {
                throw new CaptureException("injected failure in the middle of a transaction");
            }
        }
    }
}
