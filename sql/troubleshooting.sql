-- Queries an operator asks when something goes wrong. Run with:
--   psql "$DATABASE" -f sql/troubleshooting.sql        (or copy the one you need)
-- The connector's schema is "startyhook" unless db.schema says otherwise.

-- 1. Is anything stuck? Pending actions past their due time, expired leases, actions waiting
--    behind an earlier open action of the same flow and element.
SELECT * FROM startyhook.stuck_actions ORDER BY age DESC LIMIT 50;

-- 2. Failures per flow in the last hour, with the last error.
SELECT * FROM startyhook.flow_failures_last_hour ORDER BY failed_attempts DESC;

-- 3. Everything that happened to one element (here: document 42), oldest first.
SELECT * FROM startyhook.element_history
 WHERE entity = 'document' AND element_id = '42'
 ORDER BY created_at, attempt_no;

-- 4. Outbox depth and state per flow.
SELECT * FROM startyhook.action_counts ORDER BY flow_name, status;

-- 5. "The flow ran but the webhook was not called": the flow's latest actions and their attempts.
SELECT a.id, a.element_id, a.event, a.status, a.attempts, a.next_attempt_at, a.last_http_status,
       a.last_error, a.url
  FROM startyhook.action a
 WHERE a.flow_name = 'document-confirmed'
 ORDER BY a.id DESC LIMIT 20;

-- 6. "The flow did not run at all": is it active, and with which content?
SELECT flow_name, active_hash IS NOT NULL AS active, activated_at, activated_by,
       deactivated_at, deactivated_by
  FROM startyhook.flow_activation ORDER BY flow_name;

-- 7. The last attempts that failed, with the receiver's answer.
SELECT t.started_at, a.flow_name, a.element_id, t.attempt_no, t.http_status, t.error,
       left(t.response_excerpt, 200) AS response
  FROM startyhook.attempt t JOIN startyhook.action a ON a.id = t.action_id
 WHERE t.outcome <> 'delivered'
 ORDER BY t.started_at DESC LIMIT 20;

-- 8. Condition flows: last scan, outcome and error.
SELECT flow_name, last_scan_started, last_status, last_rows, last_fired, last_duration_ms, last_error
  FROM startyhook.monitor_state ORDER BY flow_name;

-- 9. Replication slot health: is the connector reading, and how much WAL does the slot retain?
SELECT slot_name, active, active_pid,
       pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained_wal,
       pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)) AS lag
  FROM pg_replication_slots WHERE slot_name = 'startyhook';

-- 10. Which tables does the publication hold? (only tables of active event flows)
SELECT * FROM pg_publication_tables WHERE pubname = 'startyhook';

-- 11. Delivery latency over the last hour (created → delivered).
SELECT flow_name, count(*) AS delivered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY delivered_at - created_at) AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY delivered_at - created_at) AS p99
  FROM startyhook.action
 WHERE status = 'delivered' AND delivered_at > now() - interval '1 hour'
 GROUP BY flow_name;
