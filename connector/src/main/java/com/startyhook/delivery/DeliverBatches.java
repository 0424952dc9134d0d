package com.startyhook.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's loop, pipelined: it claims {@code delivery.batch-size} actions at a time (one
 * statement) and claims the next batch while the previous one is still partly in flight (at most
 * two batches), and records finished attempts in groups (one statement) as they come in. A slow receiver therefore holds only its own requests:
 * the worker goes on claiming, sending and recording around them, where a worker that waited for
 * its whole batch would stall every other receiver's actions behind the slowest one.
 * Errors are logged and the loop continues; an interrupt means shut down.
 */
final class DeliverBatches implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliverBatches.class);
    /** Finished attempts wait at most this long for others to be recorded with them. */
    private static final long RECORD_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** While requests are in flight, the worker looks for new work at least this often. */
    private static final long BUSY_POLL_MILLIS = 20;

    private final String name;
    private final DeliveryService service;
    private final ActionQueue queue;
    private final WebhookSender sender;
    private final RetryPolicy retries;
    private final DeliveryConfig config;
    private final WakeSignal signal;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Timer latency;
    private final Timer claims;
    /** Attempts whose recording failed; recorded again with the next group while their lease holds. */
    private final List<AttemptResult> unrecorded = new ArrayList<>();

    /** Sent and not yet recorded (finished or not). */
    private final Set<WebhookSender.InFlight> inFlight = new LinkedHashSet<>();
    /** Completed, in completion order; filled by the sender's threads. */
    private final LinkedBlockingQueue<WebhookSender.InFlight> done = new LinkedBlockingQueue<>();
    /** Completed and taken from {@link #done}, waiting to be recorded. */
    private final List<WebhookSender.InFlight> ready = new ArrayList<>();
    private long oldestReadyNanos;
    /** The wake-up generation at which a claim last found nothing more due, and when (no claim again before news). */
    private long drainedAtGeneration = -1;
    private long drainedAtNanos;
    /** After a failed claim, no claim before this time. */
    private long claimBackoffUntilNanos;
    /** The lease of everything this worker holds, renewed while it holds anything. */
    private final Lease lease;
    private long lastRenewalNanos;
    /** Actions the capture of this process inserted leased to this worker, handed over after its commit (Handoff). */
    private final java.util.concurrent.ConcurrentLinkedQueue<HandedOver> handedOver =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Room promised to enqueues not yet committed or handed over. */
    private final java.util.concurrent.atomic.AtomicInteger reserved = new java.util.concurrent.atomic.AtomicInteger();
    /** Actions handed over and not yet taken by this worker. */
    private final java.util.concurrent.atomic.AtomicInteger waitingHandedOver =
            new java.util.concurrent.atomic.AtomicInteger();
    /** How many this worker has in flight, for other threads ({@link #room()}). */
    private volatile int holding;
    private final io.micrometer.core.instrument.Counter claimedCount;
    private final io.micrometer.core.instrument.Counter handedOverCount;

    /** Actions inserted leased since {@code leasedSince} (their lease's start by the database's clock). */
    record HandedOver(List<ClaimedAction> actions, Instant leasedSince) {}

    DeliverBatches(String name, DeliveryService service, ActionQueue queue, WebhookSender sender, RetryPolicy retries,
            DeliveryConfig config, WakeSignal signal, Clock clock, MeterRegistry meters) {
        this.name = name;
        this.service = service;
        this.queue = queue;
        this.sender = sender;
        this.retries = retries;
        this.config = config;
        this.signal = signal;
        this.clock = clock;
        this.meters = meters;
        this.lease = new Lease(config.leaseDuration());
        this.latency = Timer.builder("startyhook.delivery.latency")
                .description("time from an action's creation to its delivery")
                .publishPercentileHistogram()
                .register(meters);
        this.claims = Timer.builder("startyhook.delivery.claim")
                .description("time one claim statement takes (a batch of due actions under a lease)")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
        this.claimedCount = meters.counter("startyhook.delivery.claimed", "way", "claim");
        this.handedOverCount = meters.counter("startyhook.delivery.claimed", "way", "handoff");
    }

    String name() {
        return name;
    }

    /** How many more actions this worker may be handed: two batches in flight at most, less what is promised. */
    int room() {
        return 2 * config.batchSize() - holding - reserved.get() - waitingHandedOver.get();
    }

    /** Promises {@code n} of this worker's room to an enqueue under way. */
    void reserve(int n) {
        reserved.addAndGet(n);
    }

    /** The enqueue that reserved {@code n} committed (handing {@code actions} over) or rolled back (none). */
    void handOver(int n, HandedOver actions) {
        if (actions != null && !actions.actions().isEmpty()) {
            waitingHandedOver.addAndGet(actions.actions().size());
            handedOver.add(actions);
        }
        reserved.addAndGet(-n);
    }

    @Override
    public void run() {
        try {
            while (service.isClaiming()) {
                long seen = signal.generation();
                boolean progressed = false;
                try {
                    progressed = recordReady(false);
                    progressed |= takeHandedOver() > 0;
                    renewIfDue();
                    if (mayClaim(seen)) {
                        progressed |= claimMore(seen) > 0;
                    }
                } catch (RuntimeException e) {
                    LOG.error("Unhandled exception in delivery worker {}; will keep running", name, e);
                    claimBackoffUntilNanos = System.nanoTime() + config.pollInterval().toNanos();
                }
                holding = inFlight.size();
                if (!progressed) {
                    waitForWork(seen);
                }
            }
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Room for a whole batch (at most two in flight), and something may be due. */
    private boolean mayClaim(long seen) {
        if (inFlight.size() > config.batchSize()) {
            return false;
        }
        long now = System.nanoTime();
        if (now < claimBackoffUntilNanos) {
            return false;
        }
        // the last claim found the outbox drained: wait for a wake-up or the poll interval
        return seen != drainedAtGeneration || now - drainedAtNanos >= config.pollInterval().toNanos();
    }

    /** Claims a batch and sends it; returns how many it claimed. */
    private int claimMore(long seen) {
        int limit = config.batchSize();
        List<ClaimedAction> batch;
        long start = System.nanoTime();
        Instant claimedSince = clock.instant();
        try {
            batch = queue.claim(name, limit, config.leaseDuration());
        } catch (SQLException e) {
            if (!service.isClaiming()) {
                return 0; // cancelled by the stopping service
            }
            LOG.warn("Delivery worker {} cannot claim actions: {}; will keep trying", name, e.getMessage());
            claimBackoffUntilNanos = System.nanoTime() + config.pollInterval().toNanos();
            return 0;
        }
        claims.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        claimedCount.increment(batch.size());
        if (batch.size() == limit) {
            signal.wakeOne(); // more may be due: let another worker help
        } else {
            drainedAtGeneration = seen;
            drainedAtNanos = System.nanoTime();
        }
        if (!batch.isEmpty()) {
            if (inFlight.isEmpty() && unrecorded.isEmpty()) {
                lastRenewalNanos = start; // the claim set the lease of all this worker holds
            }
            lease.renewed(claimedSince);
        }
        for (ClaimedAction action : batch) {
            WebhookSender.InFlight f = sender.send(action, lease);
            inFlight.add(f);
            f.sent.whenComplete((v, e) -> done.add(f));
        }
        return batch.size();
    }

    /**
     * Sends the actions handed over to this worker, as a claim's: their lease began when they were inserted (by the
     * database's clock), so the next renewal is due a third of a lease after the earliest of them.
     */
    private int takeHandedOver() {
        int taken = 0;
        for (HandedOver h; (h = handedOver.poll()) != null; ) {
            waitingHandedOver.addAndGet(-h.actions().size());
            long ageNanos = Math.max(0, Duration.between(h.leasedSince(), clock.instant()).toNanos());
            long leasedAtNanos = System.nanoTime() - ageNanos;
            if (inFlight.isEmpty() && unrecorded.isEmpty()) {
                lastRenewalNanos = leasedAtNanos;
            } else {
                lastRenewalNanos = Math.min(lastRenewalNanos, leasedAtNanos);
            }
            lease.renewed(h.leasedSince());
            for (ClaimedAction action : h.actions()) {
                WebhookSender.InFlight f = sender.send(action, lease);
                inFlight.add(f);
                f.sent.whenComplete((v, e) -> done.add(f));
            }
            handedOverCount.increment(h.actions().size());
            taken += h.actions().size();
        }
        return taken;
    }

    /** Handed over and never taken (the service stopped first): back to pending at once, as unsent claimed ones. */
    private void releaseHandedOver() {
        List<ClaimedAction> left = new ArrayList<>();
        for (HandedOver h; (h = handedOver.poll()) != null; ) {
            left.addAll(h.actions());
        }
        if (left.isEmpty()) {
            return;
        }
        try {
            queue.release(left, name);
        } catch (SQLException e) {
            LOG.warn("Delivery worker {} could not release {} actions handed over to it ({}); they are claimed after"
                    + " their lease", name, left.size(), e.getMessage());
        }
    }

    /**
     * Renews the lease of every action this worker holds (in flight, or answered and not yet recorded), every
     * third of the lease: a killed process's actions are claimed by others within one lease, however long an
     * attempt may take. A renewal that fails is tried again at the next turn; when the lease runs out meanwhile,
     * attempts not started are released (WebhookSender) and answers are recorded only if still held.
     */
    private void renewIfDue() {
        if (inFlight.isEmpty() && unrecorded.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastRenewalNanos < lease.renewEvery().toNanos()) {
            return;
        }
        List<Long> ids = new ArrayList<>(inFlight.size() + unrecorded.size());
        inFlight.forEach(f -> ids.add(f.action.id()));
        unrecorded.forEach(r -> ids.add(r.action().id()));
        Instant since = clock.instant();
        try {
            queue.renew(name, ids, lease.length());
            lease.renewed(since);
            lastRenewalNanos = now;
        } catch (SQLException e) {
            LOG.warn("Delivery worker {} could not renew the lease of {} actions ({}); will try again, they are free"
                    + " for others after {}", name, ids.size(), e.getMessage(), lease.heldUntil());
            lastRenewalNanos = now - lease.renewEvery().toNanos() + config.pollInterval().toNanos();
        }
    }

    /**
     * Waits for a finished attempt, or for news of due actions when there is room (a wake-up, or
     * the poll interval when idle).
     */
    private void waitForWork(long seen) throws InterruptedException {
        if (inFlight.isEmpty()) {
            signal.await(seen, config.pollInterval());
            return;
        }
        long wait = ready.isEmpty() ? BUSY_POLL_MILLIS
                : Math.max(1, TimeUnit.NANOSECONDS.toMillis(RECORD_DELAY_NANOS - (System.nanoTime() - oldestReadyNanos)));
        WebhookSender.InFlight f = done.poll(wait, TimeUnit.MILLISECONDS);
        if (f != null) {
            take(f);
        }
    }

    private void take(WebhookSender.InFlight f) {
        if (ready.isEmpty()) {
            oldestReadyNanos = System.nanoTime();
        }
        ready.add(f);
    }

    /**
     * Records the finished attempts in one statement once there are enough of them (a batch),
     * nothing else is in flight, the oldest has waited {@link #RECORD_DELAY_NANOS}, or {@code now}.
     */
    private boolean recordReady(boolean now) {
        for (WebhookSender.InFlight f; (f = done.poll()) != null; ) {
            take(f);
        }
        if (ready.isEmpty()) {
            return !unrecorded.isEmpty() && recordAgain();
        }
        boolean due = now || ready.size() >= config.batchSize() || ready.size() == inFlight.size()
                || System.nanoTime() - oldestReadyNanos >= RECORD_DELAY_NANOS;
        if (!due) {
            return false;
        }
        List<WebhookSender.InFlight> finished = new ArrayList<>(ready);
        ready.clear();
        record(finished);
        return true;
    }

    private void record(List<WebhookSender.InFlight> finished) {
        finished.forEach(inFlight::remove);
        if (service.isAborted()) {
            return; // a simulated crash records nothing: the leases expire
        }
        List<AttemptResult> results = new ArrayList<>(unrecorded.size() + finished.size());
        results.addAll(unrecorded);
        unrecorded.clear();
        for (WebhookSender.InFlight f : finished) {
            results.add(result(f));
        }
        recordResults(results);
    }

    /** Records, alone, what an earlier statement could not record; false when that failed again. */
    private boolean recordAgain() {
        if (service.isAborted()) {
            return false;
        }
        List<AttemptResult> results = new ArrayList<>(unrecorded);
        unrecorded.clear();
        return recordResults(results);
    }

    /**
     * Records {@code results} in one statement. When that fails (the database restarting, a deadlock it
     * broke, a statement timeout) the attempts are kept and recorded again with the next group, as long as
     * their lease holds: an answered webhook is not sent again merely because its outcome met a bad moment.
     */
    private boolean recordResults(List<AttemptResult> results) {
        try {
            queue.record(results, name, name);
        } catch (SQLException e) {
            // one lease covers everything this worker holds: keep them all while it holds, none once it lapsed
            if (lease.holds(clock.instant())) {
                unrecorded.addAll(results);
                LOG.warn("Delivery worker {} could not record {} attempts ({}); will try again while its lease "
                        + "holds", name, results.size(), e.getMessage());
            } else {
                // nothing is lost: the lease lapsed and the actions are attempted again
                LOG.error("Delivery worker {} could not record {} attempts ({}) and its lease has lapsed: those "
                        + "actions will be attempted again", name, results.size(), e.getMessage());
            }
            claimBackoffUntilNanos = System.nanoTime() + config.pollInterval().toNanos();
            return false;
        }
        signal.wakeOne(); // finished actions may unblock the next action of their element
        for (AttemptResult r : results) {
            count(r);
        }
        return true;
    }

    /**
     * The service stops: no more claims; in-flight attempts are awaited until the grace period
     * ends, then cancelled and released. After {@link DeliveryService#abort()} (a simulated crash)
     * nothing is recorded: the leases expire.
     */
    private void stop() throws InterruptedException {
        if (!service.isAborted()) {
            releaseHandedOver();
        }
        // claimed but not yet sent (waiting for a connection to their host): back to pending at once
        for (WebhookSender.InFlight f : inFlight) {
            if (f.startedAt == null) {
                f.sent.cancel(true);
            }
        }
        while (!inFlight.isEmpty() && !service.isAborted()) {
            Instant deadline = service.stopDeadline();
            if (deadline != null && !clock.instant().isBefore(deadline)) {
                break;
            }
            WebhookSender.InFlight f = done.poll(100, TimeUnit.MILLISECONDS);
            if (f != null) {
                take(f);
            }
            recordReady(ready.size() == inFlight.size());
        }
        if (service.isAborted()) {
            return;
        }
        if (!inFlight.isEmpty()) {
            inFlight.forEach(f -> f.sent.cancel(true));
            done.clear();
            ready.clear();
            record(new ArrayList<>(inFlight));
        }
        // answered attempts whose recording failed: a few more tries before the process goes
        for (int i = 0; i < 3 && !unrecorded.isEmpty() && !recordAgain(); i++) {
            Thread.sleep(200);
        }
    }

    private AttemptResult result(WebhookSender.InFlight f) {
        ClaimedAction a = f.action;
        if (f.sent.isCancelled() || !f.sent.isDone()) {
            Instant started = f.startedAt;
            long ms = started == null ? 0 : Duration.between(started, clock.instant()).toMillis();
            return new AttemptResult(a, started, ms, null, AttemptOutcome.RELEASED,
                    started == null ? null : "connector stopped before the response; sent again later", null, 0);
        }
        WebhookSender.Sent s = f.sent.join();
        if (s.success()) {
            return new AttemptResult(a, s.startedAt(), s.durationMs(), s.status(), AttemptOutcome.DELIVERED, null,
                    s.excerpt(), 0);
        }
        if (s.endpointGone()) {
            // the endpoint is disabled with this attempt's recording, and the action held with it: never failed
            LOG.warn("Action {} of flow {} (element {}): {} answered 410 Gone; the endpoint is disabled and its actions"
                    + " held until `startyhook outbox enable-endpoint {}`", a.id(), a.flowName(), a.elementId(),
                    a.url(), a.url());
            return new AttemptResult(a, s.startedAt(), s.durationMs(), s.status(), AttemptOutcome.RETRY, s.error(),
                    s.excerpt(), 0);
        }
        var next = s.permanent() ? java.util.Optional.<Duration>empty()
                : retries.nextDelay(a.scheduledAttemptNo(), a.retryScheduleMs(),
                        RetryPolicy.parseRetryAfter(s.retryAfter(), clock.instant()));
        if (next.isEmpty()) {
            LOG.warn("Action {} of flow {} (element {}) failed after attempt {}: {}", a.id(), a.flowName(),
                    a.elementId(), a.attemptNo(), s.error());
            return new AttemptResult(a, s.startedAt(), s.durationMs(), s.status(), AttemptOutcome.FAILED, s.error(),
                    s.excerpt(), 0);
        }
        LOG.info("Action {} of flow {} (element {}) attempt {} failed: {}; next attempt in {} ms", a.id(),
                a.flowName(), a.elementId(), a.attemptNo(), s.error(), next.get().toMillis());
        return new AttemptResult(a, s.startedAt(), s.durationMs(), s.status(), AttemptOutcome.RETRY, s.error(),
                s.excerpt(), next.get().toMillis());
    }

    private void count(AttemptResult r) {
        meters.counter("startyhook.delivery.attempts", "outcome", r.outcome().dbValue()).increment();
        if (r.outcome() == AttemptOutcome.DELIVERED) {
            latency.record(Duration.between(r.action().createdAt(), clock.instant()));
        }
    }
}
