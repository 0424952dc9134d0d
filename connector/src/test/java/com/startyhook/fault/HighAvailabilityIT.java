package com.startyhook.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.testsupport.ConnectorProcess;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * High availability (docs/operations.md): two {@code run} processes on one database. Exactly one leads
 * (capture and monitors); both deliver. When the leader is killed, the standby takes the advisory
 * lock, resumes capture from the stored offsets, and every change — before, during and after the
 * takeover — is delivered, once after deduplication.
 */
class HighAvailabilityIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void standbyTakesOverWhenTheLeaderIsKilled() throws Exception {
        try (FaultBed bed = new FaultBed("ha", PG.jdbcUrl(), PG.user(), PG.password())) {
            bed.flows("5s", List.of("500ms", "1s", "2s", "2s", "2s", "2s", "2s", "2s", "2s", "2s"));
            ConnectorProcess first = bed.connector("a").start();
            bed.awaitCapturing(first);
            ConnectorProcess second = bed.connector("b").start();
            // several election rounds: the second one must stay a standby
            await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30))
                    .until(() -> "standby".equals(second.role()));
            assertThat(first.role()).isEqualTo("leader");
            assertThat(second.captureState()).as("a standby does not capture").isNull();

            try (ProjectLoad load = bed.load(31, 30).start()) {
                long start = load.transactions();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > start + 150);
                assertThat(bed.receiver().delivered()).isNotEmpty();

                first.kill();
                Instant killed = Instant.now();
                bed.awaitCapturing(second);
                Duration takeover = Duration.between(killed, Instant.now());
                System.out.println("FAULT ha: standby leading and capturing " + takeover.toMillis()
                        + " ms after the leader's SIGKILL");

                long afterTakeover = load.transactions();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > afterTakeover + 100);
                // the old leader comes back: it must not take the lead back
                first.start();
                await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30))
                        .until(() -> "standby".equals(first.role()));
                assertThat(second.role()).isEqualTo("leader");
                long afterReturn = load.transactions();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > afterReturn + 100);
            }
            bed.verifyEverythingDeliveredOnce("HA: leader SIGKILLed, standby takes over", Duration.ofSeconds(60));
            assertThat(deliveringInstances(bed)).as("both processes delivered").isGreaterThanOrEqualTo(2);

            // a graceful stop (SIGTERM) of the leader hands over too
            assertThat(second.stop()).as("exit code after SIGTERM").isZero();
            bed.awaitCapturing(first);
        }
    }

    /** How many processes recorded a delivery (attempt workers are named after the instance). */
    private static long deliveringInstances(FaultBed bed) throws Exception {
        try (var c = bed.connect(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT count(DISTINCT split_part(worker, '/', 1)) FROM sh_ha.attempt"
                        + " WHERE outcome = 'delivered'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
