package com.startyhook.delivery;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An action a worker holds a lease on: everything needed to send it once.
 *
 * @param attempts         attempts made before this one
 * @param retryScheduleMs  delays before attempt 2, 3, ...
 */
public record ClaimedAction(long id, UUID messageId, String flowName, String elementId, String event, String url,
        String secretRef, Map<String, String> headers, int timeoutMs, long[] retryScheduleMs, String payload,
        int attempts, Instant createdAt) {

    /** This attempt's number, 1-based. */
    public int attemptNo() {
        return attempts + 1;
    }
}
