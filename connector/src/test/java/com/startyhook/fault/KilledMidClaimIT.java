package com.startyhook.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.testsupport.ConnectorProcess;
import com.startyhook.testsupport.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connector killed (SIGKILL) while its claims are under way: the database ends the dead client's
 * statements by itself (client_connection_check_interval, statement_timeout) instead of running them on
 * for as long as they take, nothing the dead process was claiming stays leased, and the next process
 * delivers everything, once.
 */
class KilledMidClaimIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();

    @Test
    @Timeout(value = 240, unit = java.util.concurrent.TimeUnit.SECONDS)
    void theDeadProcessesClaimsEndAndTheNextProcessDeliversEverything() throws Exception {
        try (FaultBed bed = new FaultBed("midclaim", PG.jdbcUrl(), PG.user(), PG.password())) {
            bed.flows("5s", List.of("500ms", "1s", "2s", "2s", "2s"));
            ConnectorProcess connector = bed.connector("run").start();
            bed.awaitCapturing(connector);
            try (ProjectLoad load = bed.load(11, 20).start()) {
                long before = load.transactions();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > before + 50);
            }
            String schema = "sh_midclaim";
            try (Connection lock = bed.connect()) {
                lock.setAutoCommit(false);
                try (Statement s = lock.createStatement()) {
                    // claims (UPDATE ... FOR UPDATE SKIP LOCKED) now queue behind this lock, as behind a bad plan
                    s.execute("LOCK TABLE " + schema + ".action IN EXCLUSIVE MODE");
                }
                await("a claim waiting").atMost(Duration.ofSeconds(60)).until(() -> waitingClaims(bed) > 0);
                connector.kill();
                long killedAt = System.nanoTime();
                await("the dead process's claims ended by the server").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200)).until(() -> waitingClaims(bed) == 0);
                System.out.printf("claims of the killed process ended %d ms after the kill%n",
                        (System.nanoTime() - killedAt) / 1_000_000);
                lock.commit();
            }
            assertThat(count(bed, "SELECT count(*) FROM " + schema + ".action WHERE lease_owner IS NOT NULL"
                    + " AND status = 'delivering' AND lease_expires_at > now() + interval '1 minute'"))
                    .as("nothing leased beyond the short leases of the fault bed").isZero();
            connector.start();
            bed.awaitCapturing(connector);
            FaultBed.Outcome outcome = bed.verifyEverythingDeliveredOnce("connector SIGKILL mid-claim",
                    Duration.ofSeconds(90));
            assertThat(outcome.produced()).isGreaterThan(50);
        }
    }

    /** Claim statements of the connector waiting on a lock in this test's database. */
    private static long waitingClaims(FaultBed bed) throws SQLException {
        return count(bed, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'startyhook' AND wait_event_type = 'Lock'"
                + " AND query LIKE '%SKIP LOCKED%'");
    }

    private static long count(FaultBed bed, String sql) throws SQLException {
        try (Connection c = bed.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
