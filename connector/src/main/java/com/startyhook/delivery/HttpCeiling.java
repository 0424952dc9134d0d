package com.startyhook.delivery;

import com.startyhook.signing.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The delivery path without its database: the connector's own {@link WebhookSender} (signing,
 * HttpClient 5, TLS, per-host limit) sending ready-made actions in the shape the workers use
 * ({@code workers} threads, each sending a batch of {@code batchSize} concurrently and waiting for it),
 * as fast as it can. What it reaches is a ceiling for end-to-end delivery on the same machine:
 * no capture, no outbox, no claims, no attempt rows. Used by {@code startyhook bench}.
 */
public final class HttpCeiling {
    private final DeliveryConfig config;
    private final Secrets secrets;

    public HttpCeiling(DeliveryConfig config, Secrets secrets) {
        this.config = config;
        this.secrets = secrets;
    }

    /** What a run gave: requests sent, how many were acknowledged with 2xx, and the wall time. */
    public record Result(int sent, int acknowledged, long nanos, String firstError) {
        public double perSecond() {
            return acknowledged / (nanos / 1e9);
        }
    }

    /**
     * Sends {@code count} webhooks of {@code payload} (unique ids) to {@code url}, signed with the secret
     * {@code secretRef} names; returns once all have finished.
     */
    public Result run(int count, String url, String secretRef, String payload) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        Lease held = new Lease(Duration.ofHours(1)); // no database: nothing to renew
        held.renewed(Instant.now());
        try (WebhookSender sender = new WebhookSender(config, secrets, Clock.systemUTC())) {
            List<Thread> workers = new ArrayList<>();
            long start = System.nanoTime();
            for (int w = 0; w < config.workers(); w++) {
                Thread t = new Thread(() -> {
                    while (true) {
                        int from = next.getAndAdd(config.batchSize());
                        if (from >= count) {
                            return;
                        }
                        int to = Math.min(count, from + config.batchSize());
                        List<WebhookSender.InFlight> batch = new ArrayList<>(to - from);
                        for (int i = from; i < to; i++) {
                            batch.add(sender.send(new ClaimedAction(i, UUID.randomUUID(), "ceiling", Integer.toString(i),
                                    "create", url, secretRef, Map.of(), 10_000, new long[0], payload, 0, 0,
                                    Instant.now()), held));
                        }
                        CompletableFuture.allOf(batch.stream().map(f -> f.sent).toArray(CompletableFuture[]::new))
                                .join();
                        for (WebhookSender.InFlight f : batch) {
                            WebhookSender.Sent s = f.sent.join();
                            if (s.success()) {
                                ok.incrementAndGet();
                            } else {
                                firstError.compareAndSet(null, s.error());
                            }
                        }
                    }
                }, "ceiling-" + w);
                t.start();
                workers.add(t);
            }
            for (Thread t : workers) {
                t.join();
            }
            return new Result(count, ok.get(), System.nanoTime() - start, firstError.get());
        }
    }
}
