package com.startyhook.delivery;

import java.time.Instant;

/**
 * One finished attempt, ready to be recorded.
 *
 * @param startedAt  when the request was started; null when it never started (released before sending)
 * @param retryDelayMs delay before the next attempt when {@code outcome} is RETRY
 */
public record AttemptResult(ClaimedAction action, Instant startedAt, long durationMs, Integer httpStatus,
        AttemptOutcome outcome, String error, String responseExcerpt, long retryDelayMs) {

    static AttemptResult released(ClaimedAction action) {
        return new AttemptResult(action, null, 0, null, AttemptOutcome.RELEASED, null, null, 0);
    }
}
