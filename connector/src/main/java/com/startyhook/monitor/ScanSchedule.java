package com.startyhook.monitor;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a monitored condition flow is being scanned on schedule, for readiness and {@code /health}.
 * A flow is late when no scan of it started within its interval plus its scan timeout plus
 * {@link #SLACK} (a scan may run up to its timeout, and the next then starts at once), counted
 * from its last scan's start, or from when this process began monitoring it.
 *
 * @param interval        the flow's interval
 * @param lastScanStarted start of this process's last scan of the flow (its own clock), null before the first
 * @param late            true when the next scan is overdue
 */
public record ScanSchedule(Duration interval, Instant lastScanStarted, boolean late) {
    public static final Duration SLACK = Duration.ofSeconds(10);

    static ScanSchedule of(Duration interval, Duration timeout, Instant monitoredSince, Instant lastScanStarted,
            Instant now) {
        Instant from = lastScanStarted == null || lastScanStarted.isBefore(monitoredSince) ? monitoredSince
                : lastScanStarted;
        Duration allowance = interval.plus(timeout).plus(SLACK);
        return new ScanSchedule(interval, lastScanStarted, Duration.between(from, now).compareTo(allowance) > 0);
    }

    /** "on schedule" or "late", as {@code /health} shows it. */
    public String label() {
        return late ? "late" : "on schedule";
    }
}
