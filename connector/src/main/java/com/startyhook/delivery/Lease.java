package com.startyhook.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * How long one worker's claimed actions stay its own: {@code delivery.lease} from the claim or the last
 * renewal. The worker renews the lease of everything it holds every third of it while it works (one
 * statement), so a lease can be short, and a killed process's actions go to another worker within one
 * lease, while an attempt may take as long as its timeout. Shared by the worker's loop and the sender's threads.
 */
final class Lease {
    private final Duration length;
    private volatile Instant heldUntil = Instant.EPOCH;

    Lease(Duration length) {
        this.length = length;
    }

    Duration length() {
        return length;
    }

    /** How often the holder renews: a third of the lease, so two renewals may fail before it ends. */
    Duration renewEvery() {
        return length.dividedBy(3);
    }

    /** The database set this lease's end to {@code length} after a moment no earlier than {@code since}. */
    void renewed(Instant since) {
        Instant until = since.plus(length);
        if (until.isAfter(heldUntil)) {
            heldUntil = until;
        }
    }

    /** Whether the lease still holds at {@code at}. */
    boolean holds(Instant at) {
        return heldUntil.isAfter(at);
    }

    Instant heldUntil() {
        return heldUntil;
    }
}
