package com.startyhook.monitor;

import java.time.Instant;

/**
 * What one scan of a condition flow did.
 *
 * @param outcome  what happened
 * @param started  the scan's start (database time): {@code occurredAt} of its firings and the next {@code :since}
 * @param rows     rows the query returned
 * @param fired    elements the scan fired for (runs created, after once-per-element)
 * @param enqueued outbox rows it created (fired × the flow's actions, minus any already enqueued)
 * @param error    why it failed, else null
 */
public record ScanResult(Outcome outcome, Instant started, int rows, int fired, int enqueued, long durationMs,
        String error) {

    public enum Outcome {
        /** Compared with the previous scan and fired for what entered or changed. */
        SCANNED,
        /** The first scan of an activation: recorded the elements, fired only with fire-on-first-scan. */
        BASELINE,
        /** The flow's current content is not active: nothing ran. */
        INACTIVE,
        /** The query or the state write failed; nothing changed. */
        FAILED
    }

    static ScanResult inactive() {
        return new ScanResult(Outcome.INACTIVE, null, 0, 0, 0, 0, null);
    }

    static ScanResult failed(Instant started, long durationMs, String error) {
        return new ScanResult(Outcome.FAILED, started, 0, 0, 0, durationMs, error);
    }
}
