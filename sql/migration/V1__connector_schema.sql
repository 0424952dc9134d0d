-- StartyHook connector schema, version 1.
-- Applied by the connector at start (Flyway) into its own schema (default "startyhook");
-- names are unqualified on purpose: Flyway sets search_path to the configured schema.

-- Which content of a flow file an operator activated. A flow is active only when the hash of
-- its file today equals active_hash (DESIGN §5): any edit deactivates it until re-activated.
CREATE TABLE flow_activation (
    flow_name       text        PRIMARY KEY,
    active_hash     text,                       -- null: deactivated
    activated_at    timestamptz,
    activated_by    text,
    deactivated_at  timestamptz,
    deactivated_by  text
);

-- History of activations, for "who switched this on, and when".
CREATE TABLE flow_activation_log (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_name       text        NOT NULL,
    content_hash    text        NOT NULL,
    change          text        NOT NULL CHECK (change IN ('activate', 'deactivate')),
    changed_at      timestamptz NOT NULL DEFAULT now(),
    changed_by      text        NOT NULL
);
CREATE INDEX flow_activation_log_flow ON flow_activation_log (flow_name, changed_at DESC);

-- once-per-element memory: a row here means the flow already ran for that element.
CREATE TABLE element_memory (
    flow_name       text        NOT NULL,
    element_id      text        NOT NULL,
    first_fired_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_name, element_id)
);

-- Monitor service: one row per condition flow with the outcome of its last scan ...
CREATE TABLE monitor_state (
    flow_name           text        PRIMARY KEY,
    baseline_hash       text,           -- content hash the baseline was taken with
    last_scan_started   timestamptz,
    last_scan_finished  timestamptz,
    last_success_started timestamptz,   -- bound to :since on the next scan
    last_status         text CHECK (last_status IN ('ok', 'failed')),
    last_error          text,
    last_rows           integer,
    last_fired          integer,
    last_duration_ms    bigint
);

-- ... and one row per element currently in the flow's result set, with its fingerprint.
CREATE TABLE monitor_element (
    flow_name       text        NOT NULL,
    element_id      text        NOT NULL,
    fingerprint     text        NOT NULL,
    first_seen      timestamptz NOT NULL DEFAULT now(),
    last_changed    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_name, element_id)
);

-- Debezium source offsets (Kafka Connect key/value, JSON-serialised), written in the same
-- transaction as the outbox rows they cover.
CREATE TABLE capture_offset (
    offset_key      text        PRIMARY KEY,
    offset_value    text        NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one row per action of a run.
CREATE TABLE action (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id        uuid        NOT NULL UNIQUE,          -- X-StartyHook-Id, stable across retries
    dedup_key         text        NOT NULL UNIQUE,          -- origin: flow, action, log position / scan
    flow_name         text        NOT NULL,
    action_index      integer     NOT NULL,
    entity            text        NOT NULL,
    element_id        text        NOT NULL,
    organization      text,
    event             text        NOT NULL,
    source            text        NOT NULL CHECK (source IN ('event', 'condition', 'manual')),
    source_position   text,                                 -- LSN or scan time
    url               text        NOT NULL,
    secret_ref        text        NOT NULL,                 -- env:NAME or file:PATH, never the secret
    headers           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    timeout_ms        integer     NOT NULL,
    retry_schedule_ms bigint[]    NOT NULL,                 -- delay before attempt 2, 3, ...
    payload           text        NOT NULL,                 -- the exact body that is signed and sent
    status            text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'cancelled')),
    attempts          integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    lease_owner       text,
    lease_expires_at  timestamptz,
    last_http_status  integer,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz
);

-- claim query: due pending actions in id order
CREATE INDEX action_due ON action (next_attempt_at, id) WHERE status = 'pending';
-- expired leases
CREATE INDEX action_leased ON action (lease_expires_at) WHERE status = 'delivering';
-- ordering: is an earlier action of the same flow and element still open?
CREATE INDEX action_open_by_element ON action (flow_name, element_id, id)
    WHERE status IN ('pending', 'delivering');
-- troubleshooting: by element, by flow and time, by status and time (also retention)
CREATE INDEX action_element ON action (entity, element_id, created_at);
CREATE INDEX action_flow_created ON action (flow_name, created_at);
CREATE INDEX action_status_updated ON action (status, updated_at);

-- Every HTTP try of an action.
CREATE TABLE attempt (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id         bigint      NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    attempt_no        integer     NOT NULL,
    started_at        timestamptz NOT NULL,
    duration_ms       bigint      NOT NULL,
    http_status       integer,
    outcome           text        NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'released')),
    error             text,
    response_excerpt  text,
    worker            text
);
CREATE INDEX attempt_action ON attempt (action_id, attempt_no);
CREATE INDEX attempt_started ON attempt (started_at);

-- Wake delivery workers in every connector process when actions are enqueued.
CREATE FUNCTION notify_action_enqueued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('startyhook_actions', '');
    RETURN NULL;
END $$;
CREATE TRIGGER action_enqueued AFTER INSERT ON action
    FOR EACH STATEMENT EXECUTE FUNCTION notify_action_enqueued();
