package com.startyhook.outbox;

import java.time.Instant;
import java.util.List;

/**
 * The delivery of this process taking actions its capture enqueues without a claim (docs/delivery.md,
 * {@code delivery.handoff}): before the enqueue it {@link #reserve reserves} room in one of its workers; the
 * enqueue inserts up to that many actions that are due at once already {@code delivering}, leased to that worker;
 * after the commit they are {@link #handOver handed over} in memory, and after a rollback the room is
 * {@link #cancel given back}. A process that dies between the commit and the hand-over loses nothing: the leases
 * expire and any worker claims the actions.
 */
public interface Handoff {

    /** Room in a worker: up to {@code capacity} actions leased to {@code owner} for {@code leaseMillis}. */
    record Grant(String owner, int capacity, long leaseMillis) {}

    /** An action inserted leased to a grant's owner, as the enqueue's statement returned it. */
    record Leased(long id, Instant createdAt, Instant leaseExpiresAt, NewAction action) {}

    /** No hand-over: every action is inserted pending and claimed. */
    Handoff NONE = new Handoff() {
        @Override
        public Grant reserve(int wanted) {
            return null;
        }

        @Override
        public void handOver(Grant grant, List<Leased> actions) {}

        @Override
        public void cancel(Grant grant) {}
    };

    /** Room for up to {@code wanted} actions, or null when there is none (or the hand-over is off). */
    Grant reserve(int wanted);

    /** After the commit: {@code actions} (inserted leased under {@code grant}) go to its worker; the rest of the room is freed. */
    void handOver(Grant grant, List<Leased> actions);

    /** Nothing was committed under {@code grant}: its room is freed. */
    void cancel(Grant grant);
}
