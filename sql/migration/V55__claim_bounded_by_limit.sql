-- Per-element order is decided when an action is enqueued and when one finishes, no longer by the claim.
--
-- Until V51 the claim skipped every pending action that had an earlier open action of the same flow and
-- element (a NOT EXISTS over action_open_by_element). After a quiet spell (autovacuum analyzes an outbox
-- with nothing open) the planner turned that into a nested-loop anti-join comparing every pending action
-- with every other one: one claim of 64 at 5,000 pending took 15 s, at 100,000 pending it ran for an hour.
-- Now an action that an earlier open action of its flow and element holds back is marked `waiting`; the
-- claim reads the head of one partial index that waiting actions never enter, and stops at its LIMIT.
--
-- The rule, kept by the triggers below for every writer (enqueue, delivery, `outbox retry`/`cancel`,
-- someone with psql): a pending action is waiting exactly while an open (pending or delivering) action of
-- the same flow and element with a smaller id exists.

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

-- Enqueued (or put back to pending by `outbox retry`): wait if an earlier action of the flow and element
-- is open. The open action found is locked FOR SHARE until this transaction ends, so it cannot finish
-- unseen in between: its finish (action_release_next, below) runs after this commit and sees this row.
-- Rows inserted earlier by the same statement are visible here, so a batch keeps its own order.
CREATE FUNCTION action_hold_behind_open() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT SET plan_cache_mode = auto AS $$
BEGIN
    PERFORM 1 FROM action
      WHERE flow_name = NEW.flow_name AND element_id = NEW.element_id
        AND status IN ('pending', 'delivering') AND id < NEW.id
      LIMIT 1 FOR SHARE;
    NEW.waiting := FOUND AND NEW.status = 'pending';
    RETURN NEW;
END $$;

-- Put back to pending (`outbox retry` of an older action): later pending actions of its flow and element
-- wait behind it again, as they did when it was first open.
CREATE FUNCTION action_hold_successors() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT SET plan_cache_mode = auto AS $$
BEGIN
    UPDATE action SET waiting = true
     WHERE flow_name = NEW.flow_name AND element_id = NEW.element_id AND id > NEW.id
       AND status = 'pending' AND NOT waiting;
    RETURN NULL;
END $$;

-- Delivered, failed, cancelled (or deleted while open): the first open action of the flow and element,
-- if any, becomes claimable in the same statement. Its queries take a fresh snapshot (a VOLATILE function
-- in READ COMMITTED), so an action enqueued by a transaction that held this row FOR SHARE is seen.
CREATE FUNCTION action_release_next() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT SET plan_cache_mode = auto AS $$
BEGIN
    UPDATE action SET waiting = false
     WHERE id = (SELECT min(id) FROM action
                  WHERE flow_name = OLD.flow_name AND element_id = OLD.element_id
                    AND status IN ('pending', 'delivering'))
       AND waiting;
    RETURN NULL;
END $$;

CREATE TRIGGER action_hold_on_insert BEFORE INSERT ON action FOR EACH ROW
    WHEN (NEW.status IN ('pending', 'delivering'))
    EXECUTE FUNCTION action_hold_behind_open();
CREATE TRIGGER action_hold_on_reopen BEFORE UPDATE OF status ON action FOR EACH ROW
    WHEN (OLD.status NOT IN ('pending', 'delivering') AND NEW.status IN ('pending', 'delivering'))
    EXECUTE FUNCTION action_hold_behind_open();
CREATE TRIGGER action_reopened AFTER UPDATE OF status ON action FOR EACH ROW
    WHEN (OLD.status NOT IN ('pending', 'delivering') AND NEW.status IN ('pending', 'delivering'))
    EXECUTE FUNCTION action_hold_successors();
CREATE TRIGGER action_closed AFTER UPDATE OF status ON action FOR EACH ROW
    WHEN (OLD.status IN ('pending', 'delivering') AND NEW.status NOT IN ('pending', 'delivering'))
    EXECUTE FUNCTION action_release_next();
CREATE TRIGGER action_deleted_open AFTER DELETE ON action FOR EACH ROW
    WHEN (OLD.status IN ('pending', 'delivering'))
    EXECUTE FUNCTION action_release_next();

-- The troubleshooting view reads the flag instead of repeating the anti-join.
CREATE OR REPLACE VIEW stuck_actions AS
SELECT a.id, a.flow_name, a.entity, a.element_id, a.status, a.attempts,
       a.next_attempt_at, a.lease_owner, a.lease_expires_at, a.last_http_status, a.last_error,
       CASE
         WHEN a.status = 'delivering' AND a.lease_expires_at < now() THEN 'lease expired'
         WHEN a.status = 'pending' AND a.waiting THEN 'waiting for an earlier action of the same element'
         WHEN a.status = 'pending' AND a.attempts > 0 THEN 'retrying'
         ELSE 'overdue'
       END AS reason,
       now() - a.created_at AS age
  FROM action a
 WHERE (a.status = 'pending' AND a.next_attempt_at < now() - interval '1 minute')
    OR (a.status = 'pending' AND a.attempts > 0)
    OR (a.status = 'delivering' AND a.lease_expires_at < now());
