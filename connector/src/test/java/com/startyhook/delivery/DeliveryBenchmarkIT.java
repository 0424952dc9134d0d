package com.startyhook.delivery;

import static com.startyhook.delivery.Outboxes.action;
import static com.startyhook.delivery.Outboxes.enqueue;
import static com.startyhook.delivery.Outboxes.webhook;
import static org.awaitility.Awaitility.await;

import com.startyhook.outbox.NewAction;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Measures delivery, by hand (not part of the build):
 * {@code mvn -B verify -Dit.test=DeliveryBenchmarkIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dstartyhook.bench=true}
 * Numbers are printed to the failsafe output (target/failsafe-reports/*DeliveryBenchmarkIT-output.txt).
 */
@EnabledIfSystemProperty(named = "startyhook.bench", matches = "true")
class DeliveryBenchmarkIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();

    static final int BACKLOG = Integer.getInteger("bench.backlog", 50_000);
    static final int RATE = Integer.getInteger("bench.rate", 500);
    static final int SECONDS = Integer.getInteger("bench.seconds", 20);

    Database open() {
        Database db = PG.connectorDatabase(8);
        return db;
    }

    DeliveryService service(Database db) {
        DeliveryConfig config = DeliveryConfig.defaults().withCaBundle(receiver.caBundle())
                .withAllowedPrivateHosts(com.startyhook.net.AddressPolicy.parse("localhost")) // the local receiver
                .withWorkers(Integer.getInteger("bench.workers", 4))
                .withBatchSize(Integer.getInteger("bench.batch", 64))
                .withPollInterval(Duration.ofMillis(Integer.getInteger("bench.poll", 1000)));
        return new DeliveryService(db, config, new Secrets(Map.of(Outboxes.SECRET_NAME, Outboxes.SECRET)),
                Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @Test
    void throughputOfABacklog() throws Exception {
        try (Database db = open()) {
            PG.execute("TRUNCATE startyhook.action, startyhook.attempt");
            List<NewAction> batch = new ArrayList<>();
            for (int i = 0; i < BACKLOG; i++) {
                batch.add(action("bench", "e" + (i % 5_000), webhook(receiver.url("/hook"), Duration.ofSeconds(10), 1000), i / 5_000));
                if (batch.size() == 1000) {
                    enqueue(db, batch);
                    batch.clear();
                }
            }
            enqueue(db, batch);
            long start = System.nanoTime();
            try (DeliveryService s = service(db)) {
                s.start();
                await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                        .until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == BACKLOG);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("BENCH backlog: %d actions delivered in %.1f s = %.0f actions/s (%d requests received)%n",
                    BACKLOG, seconds, BACKLOG / seconds, receiver.receiver().requests().size());
        }
    }

    @Test
    void latencyAtASteadyRate() throws Exception {
        try (Database db = open()) {
            PG.execute("TRUNCATE startyhook.action, startyhook.attempt");
            Map<String, Long> enqueuedAt = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            receiver.receiver().onRequest(r -> {
                Long t = enqueuedAt.get(r.header("X-StartyHook-Id"));
                if (t != null) {
                    latencies.add(System.nanoTime() - t);
                }
                receiver.receiver().clear();
            });
            try (DeliveryService s = service(db)) {
                s.start();
                int total = RATE * SECONDS;
                long intervalNanos = 1_000_000_000L / RATE;
                long begin = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    long due = begin + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    NewAction a = action("bench", "e" + (i % 1000), webhook(receiver.url("/hook"), Duration.ofSeconds(10), 1000), i);
                    enqueuedAt.put(a.messageId().toString(), System.nanoTime());
                    enqueue(db, List.of(a)); // one transaction per action, as a capture of single-row changes would
                }
                double achieved = total / ((System.nanoTime() - begin) / 1e9);
                await().atMost(Duration.ofMinutes(2)).until(() -> latencies.size() >= total);
                long[] ms = latencies.stream().mapToLong(n -> n / 1_000_000).sorted().toArray();
                System.out.printf("BENCH latency at %.0f actions/s (%d actions, enqueue commit -> receipt): p50 %d ms, "
                        + "p90 %d ms, p99 %d ms, p99.9 %d ms, max %d ms%n", achieved, total, pct(ms, 50), pct(ms, 90),
                        pct(ms, 99), pct(ms, 99.9), ms[ms.length - 1]);
                System.out.println("BENCH latency mean " + Arrays.stream(ms).average().orElse(0) + " ms");
            }
        }
    }

    private static long pct(long[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
    }
}
