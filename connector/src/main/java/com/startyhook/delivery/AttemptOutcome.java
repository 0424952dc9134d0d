package com.startyhook.delivery;

/** What became of one attempt; the lower-case name is stored in {@code attempt.outcome}. */
public enum AttemptOutcome {
    /** 2xx: the action is delivered. */
    DELIVERED,
    /** failed, another attempt is scheduled. */
    RETRY,
    /** failed, no attempt left (or permanently refused): the action is failed. */
    FAILED,
    /** the connector stopped before the answer; the action goes back to pending, due now. */
    RELEASED;

    public String dbValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
