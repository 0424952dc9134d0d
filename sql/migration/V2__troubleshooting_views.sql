-- Views for people reading the outbox with psql (see sql/troubleshooting.sql for examples).

-- Actions that are not moving: pending past their due time, leases that expired,
-- actions waiting behind an earlier open action of the same flow and element.
CREATE VIEW stuck_actions AS
SELECT a.id, a.flow_name, a.entity, a.element_id, a.status, a.attempts,
       a.next_attempt_at, a.lease_owner, a.lease_expires_at, a.last_http_status, a.last_error,
       CASE
         WHEN a.status = 'delivering' AND a.lease_expires_at < now() THEN 'lease expired'
         WHEN EXISTS (SELECT 1 FROM action b
                       WHERE b.flow_name = a.flow_name AND b.element_id = a.element_id
                         AND b.id < a.id AND b.status IN ('pending', 'delivering'))
              THEN 'waiting for an earlier action of the same element'
         WHEN a.status = 'pending' AND a.attempts > 0 THEN 'retrying'
         ELSE 'overdue'
       END AS reason,
       now() - a.created_at AS age
  FROM action a
 WHERE (a.status = 'pending' AND a.next_attempt_at < now() - interval '1 minute')
    OR (a.status = 'pending' AND a.attempts > 0)
    OR (a.status = 'delivering' AND a.lease_expires_at < now());

-- Per flow, the last hour: how many attempts failed, and the most recent error.
CREATE VIEW flow_failures_last_hour AS
SELECT a.flow_name,
       count(*) FILTER (WHERE t.outcome <> 'delivered')            AS failed_attempts,
       count(*) FILTER (WHERE t.outcome = 'delivered')             AS delivered_attempts,
       count(DISTINCT a.id) FILTER (WHERE a.status = 'failed')     AS failed_actions,
       max(t.started_at) FILTER (WHERE t.outcome <> 'delivered')   AS last_failure_at,
       (array_agg(coalesce(t.http_status::text, t.error) ORDER BY t.started_at DESC)
            FILTER (WHERE t.outcome <> 'delivered'))[1]            AS last_failure
  FROM attempt t JOIN action a ON a.id = t.action_id
 WHERE t.started_at > now() - interval '1 hour'
 GROUP BY a.flow_name;

-- One line per action and attempt: "everything that happened to element X".
CREATE VIEW element_history AS
SELECT a.entity, a.element_id, a.id AS action_id, a.flow_name, a.event, a.status,
       a.created_at, t.attempt_no, t.started_at AS attempt_at, t.http_status, t.outcome,
       t.error, t.duration_ms
  FROM action a LEFT JOIN attempt t ON t.action_id = a.id;

-- Counts by flow and status.
CREATE VIEW action_counts AS
SELECT flow_name, status, count(*) AS actions, max(updated_at) AS last_change
  FROM action GROUP BY flow_name, status;
