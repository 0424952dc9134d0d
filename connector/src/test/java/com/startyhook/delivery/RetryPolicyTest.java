package com.startyhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final long[] SCHEDULE = {0, 5_000, 30_000};

    @Test
    void followsTheScheduleAndStopsAfterTheLastAttempt() {
        RetryPolicy policy = new RetryPolicy(0.2, Duration.ofHours(1), () -> 0.5); // no spread at 0.5
        assertThat(policy.nextDelay(1, SCHEDULE, null)).contains(Duration.ZERO);
        assertThat(policy.nextDelay(2, SCHEDULE, null)).contains(Duration.ofSeconds(5));
        assertThat(policy.nextDelay(3, SCHEDULE, null)).contains(Duration.ofSeconds(30));
        assertThat(policy.nextDelay(4, SCHEDULE, null)).isEmpty();
        assertThat(policy.nextDelay(1, new long[0], null)).as("no schedule: one attempt").isEmpty();
    }

    @Test
    void jitterSpreadsWithinTheConfiguredFraction() {
        assertThat(new RetryPolicy(0.2, Duration.ofHours(1), () -> 0.0).nextDelay(2, SCHEDULE, null))
                .contains(Duration.ofSeconds(4));
        assertThat(new RetryPolicy(0.2, Duration.ofHours(1), () -> 0.999_999).nextDelay(3, SCHEDULE, null).orElseThrow())
                .isBetween(Duration.ofMillis(35_999), Duration.ofSeconds(36));
    }

    @Test
    void retryAfterWinsWhenLongerAndIsCapped() {
        RetryPolicy policy = new RetryPolicy(0, Duration.ofMinutes(10), () -> 0.5);
        assertThat(policy.nextDelay(2, SCHEDULE, Duration.ofSeconds(60))).contains(Duration.ofSeconds(60));
        assertThat(policy.nextDelay(3, SCHEDULE, Duration.ofSeconds(1))).contains(Duration.ofSeconds(30));
        assertThat(policy.nextDelay(2, SCHEDULE, Duration.ofDays(2))).contains(Duration.ofMinutes(10));
        assertThat(policy.nextDelay(4, SCHEDULE, Duration.ofSeconds(1))).as("no attempt left").isEmpty();
    }

    @Test
    void parsesRetryAfterSecondsAndHttpDates() {
        Instant now = Instant.parse("2026-11-22T10:15:00Z");
        assertThat(RetryPolicy.parseRetryAfter("120", now)).isEqualTo(Duration.ofMinutes(2));
        assertThat(RetryPolicy.parseRetryAfter("Sun, 22 Nov 2026 10:16:30 GMT", now)).isEqualTo(Duration.ofSeconds(90));
        assertThat(RetryPolicy.parseRetryAfter("Sun, 22 Nov 2026 10:00:00 GMT", now)).isEqualTo(Duration.ZERO);
        assertThat(RetryPolicy.parseRetryAfter("soon", now)).isNull();
        assertThat(RetryPolicy.parseRetryAfter(null, now)).isNull();
    }
}
