-- Per-element order is decided when an action is enqueued and when one finishes, no longer by the claim.
--
-- Until V51 the claim skipped every pending action that had an earlier open action of the same flow and
-- element (a NOT EXISTS over action_open_by_element). After a quiet spell (autovacuum analyzes an outbox
-- with nothing open) the planner turned that into a nested-loop anti-join comparing every pending action
-- with every other one: one claim of 64 at 5,000 pending took 15 s, at 100,000 pending it ran for an hour.
-- Now an action that an earlier open action of its flow and element holds back is marked `waiting`; the
-- claim reads the head of one partial index that waiting actions never enter, and stops at its LIMIT.
--
-- The rule: a pending action is waiting exactly while an open (pending or delivering) action of the same
-- flow and element with a smaller id exists. The connector keeps it with set-based statements, not
-- triggers (a row trigger cost ~280 us per enqueued action, four times the insert itself): the outbox
-- writer marks an action waiting when it enqueues it behind an open one (locking that one FOR SHARE,
-- so it cannot finish unseen), and whatever closes an action (delivery, `outbox cancel`) releases the
-- next one of its flow and element in the same transaction. Changing an action's status by hand with
-- psql skips that; the leader's housekeeping releases any waiting action left without an open
-- predecessor within a minute.

ALTER TABLE action ADD COLUMN waiting boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN action.waiting IS
    'held back by an earlier pending or delivering action of the same flow and element; not claimable';

-- Actions already in the outbox: hold back those the old claim skipped.
UPDATE action a SET waiting = true
 WHERE a.status = 'pending'
   AND EXISTS (SELECT 1 FROM action b
                WHERE b.flow_name = a.flow_name AND b.element_id = a.element_id
                  AND b.id < a.id AND b.status IN ('pending', 'delivering'));

-- The claim: due actions in order, waiting ones never in the index.
CREATE INDEX action_claimable ON action (next_attempt_at, id) WHERE status = 'pending' AND NOT waiting;
DROP INDEX action_due;
-- Waiting actions, for counting pending ones through partial indexes (metrics) without a scan.
CREATE INDEX action_waiting ON action (id) WHERE status = 'pending' AND waiting;

-- The troubleshooting view reads the flag instead of repeating the anti-join: V56 replaces stuck_actions
-- with the waiting and the held reasons together.
