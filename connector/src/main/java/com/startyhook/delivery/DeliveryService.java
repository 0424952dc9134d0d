package com.startyhook.delivery;

import com.startyhook.signing.Secrets;
import com.startyhook.store.Database;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The execution service (docs/delivery.md): worker threads that claim due actions from the shared
 * outbox under a lease, send them signed, and record every attempt; a LISTEN connection and
 * {@link #wakeUp()} so fresh actions go out at once. Several processes may run one each over the
 * same outbox.
 *
 * <pre>
 * try (DeliveryService delivery = new DeliveryService(database, DeliveryConfig.defaults())) {
 *     delivery.start();
 *     ...
 * }
 * </pre>
 */
public final class DeliveryService implements AutoCloseable, com.startyhook.outbox.Handoff {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);

    private final Database database;
    private final DeliveryConfig config;
    private final Secrets secrets;
    private final Clock clock;
    private final MeterRegistry meters;
    private final String instanceId;
    private final WakeSignal signal = new WakeSignal();
    private final List<Thread> threads = new ArrayList<>();
    /** The running workers, read by the capture's thread (hand-over) without the service's lock. */
    private final List<DeliverBatches> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Orders reservations (a worker's room is read, then promised); never held while waiting for anything. */
    private final Object handoffLock = new Object();
    private WebhookSender sender;
    private ActionQueue queue;
    private volatile boolean claiming;
    private volatile boolean aborted;
    private volatile Instant stopDeadline;

    public DeliveryService(Database database, DeliveryConfig config) {
        this(database, config, new Secrets(), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    public DeliveryService(Database database, DeliveryConfig config, Secrets secrets, Clock clock,
            MeterRegistry meters) {
        this(database, config, secrets, clock, meters, null);
    }

    /**
     * @param instanceId name of this process in {@code lease_owner} and {@code attempt.worker}
     *                   ({@code ha.instance-id}); null for host:pid:random
     */
    public DeliveryService(Database database, DeliveryConfig config, Secrets secrets, Clock clock,
            MeterRegistry meters, String instanceId) {
        this.database = database;
        this.config = config;
        this.secrets = secrets;
        this.clock = clock;
        this.meters = meters;
        this.instanceId = instanceId == null || instanceId.isBlank() ? defaultInstanceId() : instanceId.strip();
    }

    /** Starts the workers and the LISTEN connection. */
    public synchronized void start() {
        if (sender != null) {
            throw new IllegalStateException("delivery service already started");
        }
        sender = new WebhookSender(config, secrets, clock);
        queue = new ActionQueue(database, config.disableAfter());
        RetryPolicy retries = new RetryPolicy(config.jitter(), config.maxRetryAfter(),
                () -> ThreadLocalRandom.current().nextDouble());
        claiming = true;
        for (int i = 1; i <= config.workers(); i++) {
            String name = instanceId + "/w" + i;
            DeliverBatches worker = new DeliverBatches(name, this, queue, sender, retries, config, signal, clock, meters);
            workers.add(worker);
            threads.add(thread("delivery-" + i, worker));
        }
        threads.add(thread("delivery-listen", new ListenForEnqueues(listenConnections(), this::wakeUp,
                () -> claiming)));
        threads.forEach(Thread::start);
        LOG.info("Delivery started: {} workers, batches of {}, instance {}", config.workers(), config.batchSize(),
                instanceId);
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    /** Wakes the workers: call after enqueueing actions, so they go out without waiting for a poll. */
    public void wakeUp() {
        signal.wakeOne();
    }

    /**
     * Room in the worker that has the most, for up to {@code wanted} actions an enqueue of this process inserts leased
     * to it ({@code delivery.handoff}); null when the hand-over is off, the service is not running or it has no room.
     */
    @Override
    public Grant reserve(int wanted) {
        if (!config.handoff() || !claiming || aborted || wanted <= 0) {
            return null;
        }
        synchronized (handoffLock) {
            return reserveLocked(wanted);
        }
    }

    private Grant reserveLocked(int wanted) {
        List<DeliverBatches> byRoom = new ArrayList<>(workers);
        byRoom.sort((x, y) -> Integer.compare(y.room(), x.room()));
        List<String> owners = new ArrayList<>();
        for (DeliverBatches w : byRoom) {
            int n = Math.min(wanted - owners.size(), w.room());
            if (n <= 0) {
                break;
            }
            w.reserve(n);
            for (int i = 0; i < n; i++) {
                owners.add(w.name());
            }
        }
        return owners.isEmpty() ? null : new Grant(owners, config.leaseDuration().toMillis());
    }

    /** After the enqueue's commit: its leased actions go to the workers they are leased to, which are woken. */
    @Override
    public void handOver(Grant grant, List<Leased> actions) {
        Map<String, List<Leased>> byOwner = new java.util.HashMap<>();
        for (Leased l : actions) {
            byOwner.computeIfAbsent(l.owner(), o -> new ArrayList<>()).add(l);
        }
        for (Map.Entry<String, Integer> slots : slotsByOwner(grant).entrySet()) {
            DeliverBatches worker = worker(slots.getKey());
            List<Leased> mine = byOwner.getOrDefault(slots.getKey(), List.of());
            if (worker == null) {
                continue; // not running any more: the leases expire and the actions are claimed
            }
            if (mine.isEmpty()) {
                worker.handOver(slots.getValue(), null);
                continue;
            }
            List<ClaimedAction> claimed = new ArrayList<>(mine.size());
            Instant since = null;
            for (Leased l : mine) {
                claimed.add(claimed(l));
                Instant s = l.leaseExpiresAt().minusMillis(grant.leaseMillis());
                since = since == null || s.isBefore(since) ? s : since;
            }
            claimed.sort((x, y) -> Long.compare(x.id(), y.id()));
            worker.handOver(slots.getValue(), new DeliverBatches.HandedOver(claimed, since));
        }
        if (!actions.isEmpty()) {
            signal.wakeAll();
        }
    }

    @Override
    public void cancel(Grant grant) {
        for (Map.Entry<String, Integer> slots : slotsByOwner(grant).entrySet()) {
            DeliverBatches worker = worker(slots.getKey());
            if (worker != null) {
                worker.handOver(slots.getValue(), null);
            }
        }
    }

    private static Map<String, Integer> slotsByOwner(Grant grant) {
        Map<String, Integer> slots = new java.util.LinkedHashMap<>();
        grant.owners().forEach(o -> slots.merge(o, 1, Integer::sum));
        return slots;
    }

    private DeliverBatches worker(String owner) {
        for (DeliverBatches w : workers) {
            if (w.name().equals(owner)) {
                return w;
            }
        }
        return null;
    }

    /** The action as a claim would have returned it: first attempt, nothing retried. */
    private static ClaimedAction claimed(Leased l) {
        return new ClaimedAction(l.id(), l.messageId(), l.flowName(), l.elementId(), l.event(), l.url(), l.secretRef(),
                l.headers(), l.timeoutMs(), l.retryScheduleMs(), l.payload(), 0, 0, l.createdAt());
    }

    /** Name of this process in lease_owner and attempt.worker (host, pid, random suffix). */
    public String instanceId() {
        return instanceId;
    }

    public DeliveryConfig config() {
        return config;
    }

    boolean isClaiming() {
        return claiming;
    }

    boolean isAborted() {
        return aborted;
    }

    /** When in-flight deliveries stop being awaited; null while running. */
    Instant stopDeadline() {
        return stopDeadline;
    }

    /**
     * Stops gracefully: no new claims (a claim under way is cancelled), claimed actions not yet sent
     * go back to pending at once, in-flight deliveries are awaited up to the shutdown grace (each
     * ends by its own response timeout), their outcomes recorded; whatever is still unanswered then
     * is released back to pending, due now.
     */
    @Override
    public synchronized void close() {
        if (sender == null) {
            return;
        }
        stopDeadline = clock.instant().plus(config.shutdownGrace());
        claiming = false;
        queue.cancelClaims();
        signal.wakeAll();
        join(config.shutdownGrace().toMillis() + 5_000);
        workers.clear();
        sender.close();
        sender = null;
        LOG.info("Delivery stopped (instance {})", instanceId);
    }

    /**
     * Test seam: stops as a killed process would, recording nothing; what it held stays
     * {@code delivering} until its lease expires.
     */
    synchronized void abort() {
        if (sender == null) {
            return;
        }
        aborted = true;
        claiming = false;
        queue.cancelClaims();
        signal.wakeAll();
        sender.abort();
        join(15_000);
        workers.clear();
        sender = null;
    }

    private void join(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, deadline - System.currentTimeMillis()));
                if (t.isAlive()) {
                    LOG.warn("Delivery thread {} did not stop in time; interrupting it", t.getName());
                    t.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        threads.clear();
    }

    /** A dedicated connection for LISTEN (a pooled one would be held forever). */
    private Callable<Connection> listenConnections() {
        return () -> {
            if (database.dataSource() instanceof HikariDataSource h) {
                return DriverManager.getConnection(h.getJdbcUrl(), h.getUsername(), h.getPassword());
            }
            return database.connection();
        };
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        String pid = Long.toString(ProcessHandle.current().pid());
        return host + ":" + pid + ":" + UUID.randomUUID().toString().substring(0, 4);
    }
}
