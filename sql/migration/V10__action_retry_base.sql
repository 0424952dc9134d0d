-- `outbox retry` gives an action its whole retry schedule again while attempt numbers keep
-- counting: the schedule position of the next attempt is attempts - retry_base.
ALTER TABLE action ADD COLUMN retry_base integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN action.retry_base IS 'attempts made before the last operator retry; the retry schedule restarts there';
