package com.startyhook.monitor;

import java.time.Instant;

/**
 * The outcome of a condition flow's last scan, as stored in {@code monitor_state}.
 *
 * @param lastScanStarted    start of the last scan (database time), null before the first
 * @param lastSuccessStarted start of the last successful scan: the next scan's {@code :since}
 * @param status             "ok", "failed", or null before the first scan
 * @param error              the database's message when the last scan failed, else null
 * @param rows               rows the last successful scan's query returned
 * @param fired              firings of the last successful scan (new runs, after once-per-element)
 */
public record FlowStatus(String flowName, Instant lastScanStarted, Instant lastScanFinished,
        Instant lastSuccessStarted, String status, String error, Integer rows, Integer fired, Long durationMs) {

    public boolean failed() {
        return "failed".equals(status);
    }
}
