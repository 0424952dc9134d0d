package com.startyhook.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.testsupport.ConnectorProcess;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults 2 and 3: the receiving system is down for a while, answers 500 to 30 % of requests, or
 * answers slower than the action's timeout. Everything is retried and delivered; the receiver,
 * deduplicating on {@code X-StartyHook-Id}, sees each event exactly once.
 */
class ReceiverFaultsIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();

    private static final List<String> SHORT_SCHEDULE = List.of("500ms", "1s", "2s", "2s", "2s", "2s", "2s", "2s",
            "2s", "2s", "2s", "2s", "2s", "2s", "2s");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void receiverDownForAWhileThenBack() throws Exception {
        try (FaultBed bed = new FaultBed("receiver_down", PG.jdbcUrl(), PG.user(), PG.password())) {
            bed.flows("5s", SHORT_SCHEDULE);
            ConnectorProcess connector = bed.connector("run").start();
            bed.awaitCapturing(connector);
            FaultReceiver receiver = bed.receiver();
            try (ProjectLoad load = bed.load(11, 30).start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.delivered().size() > 20);
                receiver.down();
                int deliveredWhenDown = receiver.delivered().size();
                // down for several seconds of load: connections refused, actions retried on their schedule
                long atDown = load.transactions();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > atDown + 150);
                assertThat(bed.openActions()).as("actions waiting while the receiver is down").isPositive();
                receiver.up();
                long atUp = load.transactions();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > atUp + 50);
                assertThat(receiver.delivered().size()).isGreaterThan(deliveredWhenDown);
            }
            bed.verifyEverythingDeliveredOnce("receiver down ~5s, back on same port", Duration.ofSeconds(60));
            assertThat(attemptsWithConnectionErrors(bed)).as("attempts that found the receiver down").isPositive();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void receiverAnswers500ToThirtyPercent() throws Exception {
        try (FaultBed bed = new FaultBed("receiver_500", PG.jdbcUrl(), PG.user(), PG.password())) {
            bed.flows("5s", SHORT_SCHEDULE);
            bed.receiver().respondWith(r -> ThreadLocalRandom.current().nextDouble() < 0.3
                    ? Response.status(500).withBody("try again") : Response.status(200));
            ConnectorProcess connector = bed.connector("run").start();
            bed.awaitCapturing(connector);
            try (ProjectLoad load = bed.load(13, 30).start()) {
                long start = load.transactions();
                await().atMost(Duration.ofSeconds(40)).until(() -> load.transactions() > start + 400);
            }
            FaultBed.Outcome outcome = bed.verifyEverythingDeliveredOnce("receiver answers 500 to 30%",
                    Duration.ofSeconds(60));
            assertThat(outcome.refusedRequests()).as("requests answered 500").isPositive();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void receiverSlowerThanTheTimeout() throws Exception {
        try (FaultBed bed = new FaultBed("receiver_slow", PG.jdbcUrl(), PG.user(), PG.password())) {
            bed.flows("1s", SHORT_SCHEDULE);
            // a fifth of the requests are answered 200 after 2 s: too late for a 1 s timeout, although the
            // receiver did act on them, so their retry is a duplicate the receiver must deduplicate
            bed.receiver().respondWith(r -> ThreadLocalRandom.current().nextDouble() < 0.2
                    ? Response.status(200).withDelay(2_000) : Response.status(200));
            ConnectorProcess connector = bed.connector("run").start();
            bed.awaitCapturing(connector);
            try (ProjectLoad load = bed.load(17, 30).start()) {
                long start = load.transactions();
                await().atMost(Duration.ofSeconds(40)).until(() -> load.transactions() > start + 300);
            }
            FaultBed.Outcome outcome = bed.verifyEverythingDeliveredOnce("receiver slower than timeout (20%)",
                    Duration.ofSeconds(60));
            assertThat(outcome.duplicates()).as("late answers retried: the receiver saw those actions twice")
                    .isPositive();
        }
    }

    private static long attemptsWithConnectionErrors(FaultBed bed) throws Exception {
        try (var c = bed.connect(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM sh_receiver_down.attempt WHERE http_status IS NULL"
                        + " AND outcome = 'retry'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
