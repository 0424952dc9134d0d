package com.startyhook.capture;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.embedded.Connect;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the embedded Debezium engine on the ERP database for a set of tables, and keeps it running:
 * a failed engine (connection lost, configuration refused) is restarted with exponential backoff,
 * and its error is kept as {@link #lastError()}. With no tables there is no engine at all.
 *
 * <p>One concern, the engine's life (start, restart with backoff, stop); its settings are
 * {@link DebeziumProperties}.
 */
public final class CaptureEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureEngine.class);
    /** The engine's name, also its topic prefix. */
    static final String ENGINE_NAME = "startyhook";
    static final String TOPIC_PREFIX = ENGINE_NAME;
    private static final Duration STABLE_AFTER = Duration.ofSeconds(30);

    /** What capture is doing, for /health. */
    public enum State { IDLE, STARTING, RUNNING, FAILED, STOPPED }

    private final CaptureSource source;
    private final DataSource stateDataSource;
    private final String stateSchema;
    private final CaptureConfig config;
    private final TransactionSink sink;
    private final Clock clock;
    private final Publication publication;
    private final String storeId = UUID.randomUUID().toString();
    private final ScheduledExecutorService supervisor;
    private final ExecutorService runner;

    private volatile Set<String> tables = Set.of();
    private DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;
    private Future<?> running;
    private ScheduledFuture<?> pendingStart;
    private volatile long generation;
    private Duration backoff;
    private Instant startedAt;
    private volatile State state = State.IDLE;
    private volatile String lastError;

    public CaptureEngine(CaptureSource source, DataSource stateDataSource, String stateSchema, CaptureConfig config,
            TransactionSink sink, Clock clock) {
        this.source = source;
        this.stateDataSource = stateDataSource;
        this.stateSchema = stateSchema;
        this.config = config;
        this.sink = sink;
        this.clock = clock;
        this.publication = new Publication(source, config.publicationName(), config.slotName());
        this.backoff = config.restartBackoff();
        this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "capture-supervisor"));
        this.runner = Executors.newSingleThreadExecutor(r -> daemon(r, "capture-engine"));
        DatabaseOffsetStore.register(storeId, stateDataSource, stateSchema);
    }

    public State state() {
        return state;
    }

    /** The last failure of the engine or of its start, or null. */
    public String lastError() {
        return lastError;
    }

    public Set<String> tables() {
        return tables;
    }

    /**
     * Captures exactly {@code newTables} ({@code schema.table}): updates the publication and
     * restarts the engine when the set changed. An empty set stops the engine and, when
     * {@code dropSlotWhenIdle}, drops the slot and the stored offsets, since events that happen
     * while no flow is active are not queued for any flow.
     */
    public synchronized void capture(Set<String> newTables, boolean dropSlotWhenIdle) {
        Set<String> sorted = new TreeSet<>(newTables);
        boolean same = sorted.equals(tables) && (engine != null || pendingStart != null);
        if (same && state != State.STOPPED) {
            return;
        }
        stopEngine();
        tables = Set.copyOf(sorted);
        if (tables.isEmpty()) {
            state = State.IDLE;
            if (dropSlotWhenIdle) {
                dropSlot();
            }
            return;
        }
        backoff = config.restartBackoff();
        scheduleStart(Duration.ZERO);
    }

    /** Restarts the engine now (for an operator or after the flows changed without a table change). */
    public synchronized void restart() {
        if (!tables.isEmpty()) {
            stopEngine();
            scheduleStart(Duration.ZERO);
        }
    }

    private void scheduleStart(Duration delay) {
        long gen = ++generation;
        state = State.STARTING;
        pendingStart = supervisor.schedule(() -> startEngine(gen), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void startEngine(long gen) {
        if (gen != generation || state == State.STOPPED) {
            return;
        }
        pendingStart = null;
        state = State.STARTING;
        try {
            Publication.Prepared prepared = publication.prepare(tables, stateSchema);
            if (prepared.tables().isEmpty()) {
                throw new CaptureException("publication " + config.publicationName() + " holds none of the tables "
                        + tables + "; run as its owner: ALTER PUBLICATION " + config.publicationName() + " ADD TABLE "
                        + Publication.tableList(tables) + ";");
            }
            Set<String> published = new TreeSet<>(prepared.tables());
            if (prepared.heartbeatTable() != null) {
                published.add(prepared.heartbeatTable());
            }
            ValueReading reading = new ValueReading(config.sourceTimeZone(), publication.numericTypes());
            CaptureHandler handler = new CaptureHandler(TOPIC_PREFIX, ENGINE_NAME, sink, stateDataSource, stateSchema,
                    reading, this::committed);
            engine = DebeziumEngine.create(Connect.class)
                    .using(properties(source, config, published, storeId, prepared.heartbeatQuery()))
                    .using(new DebeziumEngine.ConnectorCallback() {
                        @Override
                        public void taskStarted() {
                            supervisor.execute(() -> started(gen));
                        }
                    })
                    .using((success, message, error) -> completed(gen, success, message, error))
                    .notifying(handler)
                    .build();
            DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> e = engine;
            running = runner.submit(e);
            LOG.info("Capture starting: slot {}, publication {}, tables {}", config.slotName(),
                    config.publicationName(), tables);
        } catch (RuntimeException e) {
            failed(gen, "capture could not start: " + message(e));
        }
    }

    private synchronized void started(long gen) {
        if (gen == generation && state == State.STARTING) {
            state = State.RUNNING;
            startedAt = clock.instant();
            LOG.info("Capture running: streaming changes of {}", tables);
        }
    }

    private void committed() {
        if (state == State.RUNNING && startedAt != null
                && Duration.between(startedAt, clock.instant()).compareTo(STABLE_AFTER) > 0) {
            backoff = config.restartBackoff();
        }
    }

    /** Called on the engine's thread: never block it, the supervisor takes over. */
    private void completed(long gen, boolean success, String message, Throwable error) {
        if (gen != generation) {
            return; // an engine we stopped on purpose
        }
        String detail = error == null ? message : message + ": " + message(error);
        String text = success ? "capture engine stopped unexpectedly: " + detail : "capture engine failed: " + detail;
        try {
            supervisor.execute(() -> failed(gen, text));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing
        }
    }

    private synchronized void failed(long gen, String message) {
        if (gen != generation || state == State.STOPPED) {
            return;
        }
        lastError = message;
        state = State.FAILED;
        engine = null;
        if (startedAt != null && Duration.between(startedAt, clock.instant()).compareTo(STABLE_AFTER) > 0) {
            backoff = config.restartBackoff();
        }
        Duration delay = backoff;
        backoff = backoff.multipliedBy(2).compareTo(config.restartBackoffMax()) > 0
                ? config.restartBackoffMax() : backoff.multipliedBy(2);
        startedAt = null;
        LOG.error("{}; restarting in {} ms", message, delay.toMillis());
        long next = ++generation;
        pendingStart = supervisor.schedule(() -> startEngine(next), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stopEngine() {
        generation++;
        if (pendingStart != null) {
            pendingStart.cancel(false);
            pendingStart = null;
        }
        DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> e = engine;
        engine = null;
        startedAt = null;
        if (e == null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                e.close();
                break;
            } catch (IllegalStateException starting) {
                if (System.nanoTime() > deadline || starting.getMessage() == null
                        || !starting.getMessage().contains("starting")) {
                    break; // already stopped or stopping
                }
                sleep(50);
            } catch (IOException io) {
                LOG.warn("Capture engine did not close cleanly: {}", io.getMessage());
                break;
            }
        }
        if (running != null) {
            try {
                running.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException t) {
                LOG.warn("Capture engine did not stop within 30 s");
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            } catch (Exception ignored) {
                // its failure was reported through the completion callback
            }
            running = null;
        }
    }

    private void dropSlot() {
        try {
            publication.dropSlotAndOffsets(stateDataSource, stateSchema);
        } catch (RuntimeException e) {
            LOG.warn("Could not drop replication slot {}: {}", config.slotName(), e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        stopEngine();
        state = State.STOPPED;
        supervisor.shutdownNow();
        runner.shutdownNow();
        DatabaseOffsetStore.unregister(storeId);
    }

    /**
     * The Debezium configuration for {@code tables}: the shared settings, offsets in the database,
     * heartbeats through {@code heartbeatQuery} (none when null). The publication is prepared
     * beforehand ({@link Publication#prepare}), so Debezium never creates or alters it.
     */
    static Properties properties(CaptureSource source, CaptureConfig config, Set<String> tables, String storeId,
            String heartbeatQuery) {
        Properties p = DebeziumProperties.reading(ENGINE_NAME, source, config.slotName(), config.publicationName(),
                tables, config.pollInterval(), config.maxBatchSize());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("offset.storage", DatabaseOffsetStore.class.getName());
        p.setProperty(DatabaseOffsetStore.ID_KEY, storeId);
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("heartbeat.interval.ms", Long.toString(config.heartbeatInterval().toMillis()));
        if (heartbeatQuery != null) {
            p.setProperty("heartbeat.action.query", heartbeatQuery);
        }
        return p;
    }

    /** The exception's message and, when different, its root cause's. */
    static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (root == e || root.getMessage() == null || top.contains(root.getMessage())) {
            return top;
        }
        return top + " (cause: " + root.getMessage() + ")";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
