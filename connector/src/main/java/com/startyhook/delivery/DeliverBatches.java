package com.startyhook.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's loop: claim a batch of due actions, send them concurrently, record every attempt
 * in one transaction, and go on until the outbox has nothing due; then wait for a wake-up or the
 * poll interval. Errors are logged and the loop continues; an interrupt means shut down.
 */
final class DeliverBatches implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliverBatches.class);

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
        this.latency = Timer.builder("startyhook.delivery.latency")
                .description("time from an action's creation to its delivery")
                .publishPercentileHistogram()
                .register(meters);
    }

    @Override
    public void run() {
        while (service.isClaiming()) {
            long seen = signal.generation();
            try {
                int claimed = deliverOneBatch();
                if (claimed == 0) {
                    signal.await(seen, config.pollInterval());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException e) {
                LOG.warn("Delivery worker {} cannot claim actions: {}; will keep trying", name, e.getMessage());
                if (!pause()) {
                    return;
                }
            } catch (RuntimeException e) {
                LOG.error("Unhandled exception in delivery worker {}; will keep running", name, e);
                if (!pause()) {
                    return;
                }
            }
        }
    }

    private boolean pause() {
        try {
            signal.await(signal.generation(), config.pollInterval());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Claims, sends and records one batch; returns how many actions it claimed. */
    int deliverOneBatch() throws SQLException, InterruptedException {
        List<ClaimedAction> batch = queue.claim(name, config.batchSize(), config.leaseDuration(), config.connectTimeout());
        if (batch.isEmpty()) {
            return 0;
        }
        if (batch.size() == config.batchSize()) {
            signal.wakeOne(); // more may be due: let another worker help
        }
        List<WebhookSender.InFlight> inFlight = new ArrayList<>(batch.size());
        for (ClaimedAction action : batch) {
            inFlight.add(sender.send(action));
        }
        awaitAll(inFlight);
        if (service.isAborted()) {
            return batch.size(); // a simulated crash: record nothing, the leases expire
        }
        List<AttemptResult> results = new ArrayList<>(batch.size());
        for (WebhookSender.InFlight f : inFlight) {
            results.add(result(f));
        }
        try {
            queue.record(results, name, name);
        } catch (SQLException e) {
            // nothing is lost: the leases expire and the actions are attempted again
            LOG.error("Delivery worker {} could not record {} attempts ({}); their leases expire and they will be "
                    + "attempted again", name, results.size(), e.getMessage());
            return batch.size();
        }
        signal.wakeOne(); // finished actions may unblock the next action of their element
        for (AttemptResult r : results) {
            count(r);
        }
        return batch.size();
    }

    /** Waits for the batch; once the service stops, only until the grace period ends, then cancels the rest. */
    private void awaitAll(List<WebhookSender.InFlight> inFlight) throws InterruptedException {
        CompletableFuture<?> all = CompletableFuture.allOf(inFlight.stream().map(f -> f.sent)
                .toArray(CompletableFuture[]::new));
        while (true) {
            try {
                all.get(100, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                Instant deadline = service.stopDeadline();
                if ((deadline != null && !clock.instant().isBefore(deadline)) || service.isAborted()) {
                    inFlight.forEach(f -> f.sent.cancel(true));
                    return;
                }
            } catch (ExecutionException e) {
                return; // cannot happen: sends complete normally; a cancelled one is handled as released
            } catch (java.util.concurrent.CancellationException e) {
                return;
            }
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
