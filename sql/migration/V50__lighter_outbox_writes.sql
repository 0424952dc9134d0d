-- Every action is written three times (enqueued, claimed, finished) and neither update can be HOT
-- (the status is in the claim indexes' predicates), so each full index on action is paid three
-- times per webhook. Two of them are dropped (docs/bench.md, "Index diet"):

-- 1. Idempotent enqueueing no longer needs a unique index on the long dedup_key text: message_id is
--    a name-based UUID of the dedup key (NewAction.messageId), so it is unique exactly when the dedup
--    key is, and the writers now say ON CONFLICT (message_id). The dedup_key column stays, for people.
ALTER TABLE action DROP CONSTRAINT action_dedup_key_key;

-- 2. (status, updated_at) was there for retention and for listing by status. Retention now also
--    bounds created_at (never later than updated_at), which a BRIN index on the insertion-ordered
--    created_at answers for a few pages; the rare statuses, failed and cancelled, get a partial index
--    that only their rows enter. Pending and delivering already have theirs (action_due, action_leased).
DROP INDEX action_status_updated;
CREATE INDEX action_created_brin ON action USING brin (created_at);
CREATE INDEX action_stopped ON action (id) WHERE status IN ('failed', 'cancelled');
