-- Backfills (`startyhook flows backfill NAME`, docs/operations.md "Backfill"): a flow's actions enqueued for
-- rows that already exist in the ERP table of its entity, page by page in the order of the entity's key.
--
-- One row per backfill. The cursor (the key of the last row read, as text, one element per key column) and
-- the counters are updated in the same transaction as the page's actions and once-per-element memory, so a
-- backfill that dies mid-way resumes after the last committed page and enqueues each element's action once.
-- At most one backfill of a flow is running (status 'running', which is also the state of one whose process
-- died: the next `flows backfill NAME` resumes it); 'done' and 'cancelled' ones stay as history (a handful per
-- flow, read through the index below by flow, newest first).

CREATE TABLE backfill (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_name       text        NOT NULL,
    where_sql       text,                                   -- --where, null for every row
    rate            integer     NOT NULL CHECK (rate > 0),  -- rows read per second at most
    status          text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled')),
    cursor_key      text[],                                 -- key of the last row read; null before the first page
    estimated_rows  bigint,                                 -- the table's row estimate at the start, null if unknown
    scanned         bigint      NOT NULL DEFAULT 0,         -- rows read
    matched         bigint      NOT NULL DEFAULT 0,         -- rows that fire the flow (--where, criteria, scope, event)
    enqueued        bigint      NOT NULL DEFAULT 0,         -- elements whose actions were enqueued
    skipped         bigint      NOT NULL DEFAULT 0,         -- once-per-element: elements the flow already fired for
    actions         bigint      NOT NULL DEFAULT 0,         -- outbox rows written
    started_by      text        NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE UNIQUE INDEX backfill_one_running ON backfill (flow_name) WHERE status = 'running';
CREATE INDEX backfill_by_flow ON backfill (flow_name, id DESC);
COMMENT ON TABLE backfill IS 'backfills of flows (`startyhook flows backfill NAME`): cursor and progress';

-- A backfill's actions have source 'backfill'. The new check is added NOT VALID (no scan under the brief
-- exclusive lock) and then validated, which reads the outbox under a lock that blocks no write.
ALTER TABLE action DROP CONSTRAINT action_source_check;
ALTER TABLE action ADD CONSTRAINT action_source_check
    CHECK (source IN ('event', 'condition', 'manual', 'backfill')) NOT VALID;
ALTER TABLE action VALIDATE CONSTRAINT action_source_check;
