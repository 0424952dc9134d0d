-- Pause a flow's deliveries, and disable an endpoint (a webhook URL) that answered 410 Gone or failed
-- continuously for delivery.disable-after, without losing anything (docs/delivery.md, "Held actions").
--
-- A held action is an ordinary pending action whose next_attempt_at is 'infinity'. The claim reads the
-- head of action_claimable (next_attempt_at, id) up to its LIMIT and stops at the first action not yet
-- due (V55): held actions sort after every due one, so the claim never reads them, whatever their number.
-- (A claim that skipped held actions with a filter would read all of them, every claim.)
--
-- Whatever sets next_attempt_at keeps the hold, with set-based statements in its own transaction: the
-- outbox writer gives a new action of a paused flow or a disabled endpoint 'infinity'; delivery gives it to
-- a retried action of one, and holds the open actions of an endpoint it disables; `outbox retry` and a
-- stopping connector's release keep it. Pausing or disabling holds the pending actions of the flow or URL;
-- resuming or re-enabling makes them due now (unless the other hold still applies), in id order. Per-element
-- order is kept by the waiting flag, as always. These statements and every enqueue take one advisory
-- lock of the schema (shared for enqueues and deliveries, exclusive for the commands), so that no action
-- enqueued while a command runs is left due in a paused flow, or held in a resumed one.

CREATE TABLE flow_pause (
    flow_name   text        PRIMARY KEY,
    paused_at   timestamptz NOT NULL DEFAULT now(),
    paused_by   text        NOT NULL
);
COMMENT ON TABLE flow_pause IS 'flows whose deliveries are paused (`startyhook flows pause NAME`); their actions are held';

-- One row per URL that has failed at least once; success clears failing_since.
CREATE TABLE endpoint (
    url             text        NOT NULL,
    state           text        NOT NULL DEFAULT 'enabled' CHECK (state IN ('enabled', 'disabled')),
    failing_since   timestamptz,                -- first failure since the last success; null when healthy
    last_error      text,
    disabled_at     timestamptz,
    reason          text,                       -- why it was disabled
    enabled_at      timestamptz,
    enabled_by      text
);
-- URLs have no length limit: a b-tree on the text itself would refuse long ones
CREATE UNIQUE INDEX endpoint_url ON endpoint (md5(url));
COMMENT ON TABLE endpoint IS
    'webhook URLs that failed; a disabled one gets no requests, its actions are held (`startyhook outbox enable-endpoint URL`)';

-- Holding and releasing an endpoint's open actions, on open actions only, so that its cost is the endpoint's
-- backlog, never the history. On md5(url): a b-tree on the text would refuse long URLs, and a hash index
-- (no size limit) chains every action of one URL in one bucket, so that each insert walked the chain
-- (a claim of 64 at 21,000 pending to one URL touched 4,800 buffers instead of under 2,000).
-- Pending only, not pending-or-delivering: with the same predicate as action_open_by_element, the planner
-- (statistics taken while nothing was open) used this index for ElementOrder's per-element lookups, reading
-- every open action for each key (87,000 rows per key, 3.4 s per finish in bench --case history). The
-- statements of holding and releasing name status = 'pending'; the per-element lookups name both statuses
-- and so cannot use it.
CREATE INDEX action_open_by_url ON action (md5(url), id) WHERE status = 'pending';

CREATE OR REPLACE VIEW stuck_actions AS
SELECT a.id, a.flow_name, a.entity, a.element_id, a.status, a.attempts,
       a.next_attempt_at, a.lease_owner, a.lease_expires_at, a.last_http_status, a.last_error,
       CASE
         WHEN a.status = 'delivering' AND a.lease_expires_at < now() THEN 'lease expired'
         WHEN a.status = 'pending' AND a.next_attempt_at = 'infinity'
              AND EXISTS (SELECT 1 FROM flow_pause p WHERE p.flow_name = a.flow_name) THEN 'held: flow paused'
         WHEN a.status = 'pending' AND a.next_attempt_at = 'infinity' THEN 'held: endpoint disabled'
         WHEN a.status = 'pending' AND a.waiting THEN 'waiting for an earlier action of the same element'
         WHEN a.status = 'pending' AND a.attempts > 0 THEN 'retrying'
         ELSE 'overdue'
       END AS reason,
       now() - a.created_at AS age
  FROM action a
 WHERE (a.status = 'pending' AND a.next_attempt_at < now() - interval '1 minute')
    OR (a.status = 'pending' AND a.attempts > 0)
    OR (a.status = 'pending' AND a.next_attempt_at = 'infinity')
    OR (a.status = 'delivering' AND a.lease_expires_at < now());
