package com.startyhook.delivery;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An action a worker holds a lease on ({@link Lease}): everything needed to send it once.
 *
 * @param attempts         attempts made before this one
 * @param retryScheduleMs  delays before attempt 2, 3, ...
 * @param retryBase        attempts made before the operator's last retry; the schedule restarts there
 */
public record ClaimedAction(long id, UUID messageId, String flowName, String elementId, String event, String url,
        String secretRef, Map<String, String> headers, int timeoutMs, long[] retryScheduleMs, String payload,
        int attempts, int retryBase, Instant createdAt) {

    /** This attempt's number, 1-based. */
    public int attemptNo() {
        return attempts + 1;
    }

    /** This attempt's position in the retry schedule, 1-based: restarts after an operator's retry. */
    public int scheduledAttemptNo() {
        return attempts - retryBase + 1;
    }
}
