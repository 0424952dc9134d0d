package com.startyhook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScanScheduleTest {
    private static final Duration INTERVAL = Duration.ofMinutes(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Instant SINCE = Instant.parse("2026-12-07T10:00:00Z");
    // interval + timeout + slack
    private static final Duration ALLOWANCE = Duration.ofSeconds(60 + 30 + 10);

    @Test
    void aFlowIsLateOnlyWhenNoScanStartedWithinItsIntervalTimeoutAndSlack() {
        Instant last = SINCE.plusSeconds(300);
        assertThat(ScanSchedule.of(INTERVAL, TIMEOUT, SINCE, last, last.plus(ALLOWANCE)).late()).isFalse();
        assertThat(ScanSchedule.of(INTERVAL, TIMEOUT, SINCE, last, last.plus(ALLOWANCE).plusMillis(1)).late())
                .isTrue();
        assertThat(ScanSchedule.of(INTERVAL, TIMEOUT, SINCE, last, last.plusSeconds(1)).label())
                .isEqualTo("on schedule");
    }

    @Test
    void beforeItsFirstScanAFlowCountsFromWhenItWasMonitored() {
        assertThat(ScanSchedule.of(INTERVAL, TIMEOUT, SINCE, null, SINCE.plus(ALLOWANCE)).late()).isFalse();
        assertThat(ScanSchedule.of(INTERVAL, TIMEOUT, SINCE, null, SINCE.plus(ALLOWANCE).plusSeconds(1)).label())
                .isEqualTo("late");
        // a scan from before this process monitored the flow (an earlier leadership) does not count
        Instant old = SINCE.minusSeconds(3600);
        assertThat(ScanSchedule.of(INTERVAL, TIMEOUT, SINCE, old, SINCE.plusSeconds(5)).late()).isFalse();
    }
}
