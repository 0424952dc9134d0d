package com.startyhook.outbox;

import java.time.Instant;
import java.util.List;

/**
 * The delivery of this process taking actions its capture enqueues without a claim (docs/delivery.md,
 * {@code delivery.handoff}): before the enqueue it {@link #reserve reserves} room in its workers; the
 * enqueue inserts up to that many actions that are due at once already {@code delivering}, leased to those workers;
 * after the commit they are {@link #handOver handed over} in memory, and after a rollback the room is
 * {@link #cancel given back}. A process that dies between the commit and the hand-over loses nothing: the leases
 * expire and any worker claims the actions.
 */
public interface Handoff {

    /**
     * Room in the workers: the k-th action inserted leased (from 0) is leased to {@code owners.get(k)}, for
     * {@code leaseMillis}; at most {@code owners.size()} of them.
     */
    record Grant(List<String> owners, long leaseMillis) {
        public Grant {
            owners = List.copyOf(owners);
        }

        public int capacity() {
            return owners.size();
        }
    }

    /**
     * An action inserted leased to a grant's owner: its row as the enqueue's statement returned it, with what a claim
     * would read of it (a first attempt: nothing retried yet).
     */
    record Leased(long id, String owner, Instant createdAt, Instant leaseExpiresAt, java.util.UUID messageId, String flowName,
            String elementId, String event, String url, String secretRef, java.util.Map<String, String> headers,
            int timeoutMs, long[] retryScheduleMs, String payload) {

        static Leased of(long id, String owner, Instant createdAt, Instant leaseExpiresAt, NewAction a) {
            return new Leased(id, owner, createdAt, leaseExpiresAt, a.messageId(), a.flowName(), a.elementId(), a.event(),
                    a.webhook().url().toString(), a.webhook().signing().encode(), a.webhook().headers(),
                    (int) a.webhook().timeout().toMillis(),
                    a.webhook().retrySchedule().stream().mapToLong(java.time.Duration::toMillis).toArray(), a.payload());
        }
    }

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
