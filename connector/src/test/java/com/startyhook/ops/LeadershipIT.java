package com.startyhook.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.testsupport.PostgresExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LeadershipIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final class Counting implements Leadership.Listener {
        final AtomicInteger elected = new AtomicInteger();
        final AtomicInteger demoted = new AtomicInteger();

        @Override
        public void elected() {
            elected.incrementAndGet();
        }

        @Override
        public void demoted() {
            demoted.incrementAndGet();
        }
    }

    private Leadership leadership(String schema, Counting listener) {
        return new Leadership(PG.jdbcUrl(), PG.user(), PG.password(), schema, Duration.ofMillis(100), listener);
    }

    @Test
    void oneLeaderAtATimeAndAnotherTakesOverWhenTheLeadersSessionDies() throws Exception {
        Counting a = new Counting();
        Counting b = new Counting();
        try (Leadership first = leadership("startyhook", a); Leadership second = leadership("startyhook", b)) {
            first.start();
            await().atMost(Duration.ofSeconds(10)).until(first::isLeader);
            second.start();
            // give the second process several election rounds: it must stay a standby
            await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
            assertThat(second.isLeader()).isFalse();
            assertThat(b.elected).hasValue(0);

            // the leader's database session dies, as when its process is killed
            PG.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    + "WHERE application_name = 'startyhook-leader' AND pid IN "
                    + "(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)");
            await().atMost(Duration.ofSeconds(10)).until(second::isLeader);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.demoted.get() == 1);
            assertThat(first.isLeader()).isFalse();
            assertThat(b.elected).hasValue(1);
        }
    }

    @Test
    void connectorsWithDifferentSchemasDoNotCompete() {
        Counting a = new Counting();
        Counting b = new Counting();
        try (Leadership first = leadership("tenant_a", a); Leadership second = leadership("tenant_b", b)) {
            first.start();
            second.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> first.isLeader() && second.isLeader());
        }
        assertThat(a.demoted).as("closing steps down").hasValue(1);
    }
}
