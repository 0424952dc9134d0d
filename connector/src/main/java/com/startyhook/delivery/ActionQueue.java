package com.startyhook.delivery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.store.Database;
import com.startyhook.store.SqlArrays;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The delivery side of the outbox in SQL: claim due actions under a lease in one statement,
 * record attempts, release claims. Several connector processes share one outbox through it.
 */
final class ActionQueue {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};

    private final Database database;
    private final String claimSql;
    private final String finishSql;
    private final String releaseSql;

    ActionQueue(Database database) {
        this.database = database;
        String action = database.table("action");
        // Due pending actions, and delivering ones whose lease expired (their worker died); skipped
        // while an earlier action of the same flow and element is still open, which also keeps two
        // actions of one element out of the same batch (index action_open_by_element). Each kind is
        // read in the order of its partial index (action_due, action_leased) and stops at the limit:
        // one scan with an OR of both would read and sort every due action on each claim, which
        // made a claim cost ~280 ms with 23,000 actions pending (see docs/bench.md).
        String open = " AND NOT EXISTS (SELECT 1 FROM " + action + " b"
                + "   WHERE b.flow_name = c.flow_name AND b.element_id = c.element_id AND b.id < c.id"
                + "     AND b.status IN ('pending', 'delivering'))";
        this.claimSql = "WITH due AS (SELECT c.id FROM " + action + " c"
                + "   WHERE c.status = 'pending' AND c.next_attempt_at <= now()" + open
                + "   ORDER BY c.next_attempt_at, c.id LIMIT ? FOR UPDATE SKIP LOCKED),"
                + " expired AS (SELECT c.id FROM " + action + " c"
                + "   WHERE c.status = 'delivering' AND c.lease_expires_at < now()" + open
                + "   ORDER BY c.lease_expires_at LIMIT ? FOR UPDATE SKIP LOCKED)"
                + " UPDATE " + action + " a SET status = 'delivering', lease_owner = ?,"
                + " lease_expires_at = now() + greatest(?, a.timeout_ms + ?) * interval '1 millisecond',"
                + " updated_at = now()"
                + " WHERE a.id IN (SELECT id FROM (SELECT id FROM expired UNION ALL SELECT id FROM due) u LIMIT ?)"
                + " RETURNING a.id, a.message_id, a.flow_name, a.element_id, a.event, a.url, a.secret_ref,"
                + " a.headers::text, a.timeout_ms, a.retry_schedule_ms, a.payload, a.attempts, a.retry_base, a.created_at,"
                + " a.lease_expires_at";
        // A batch's finished attempts in one statement: the actions move on (only while we still hold the
        // lease: a worker that lost it, too slow, must not overwrite) and every attempt is recorded, all from
        // arrays. One UPDATE per action plus a batch of INSERTs took 10.8 ms per 32; the UPDATE from arrays
        // 7.9 ms; both in one autocommitted statement also spare a round trip and a commit (docs/bench.md).
        this.finishSql = "WITH finished AS (UPDATE " + action + " a SET status = r.status, attempts = a.attempts + 1,"
                + " next_attempt_at = now() + r.delay_ms * interval '1 millisecond', last_http_status = r.http_status,"
                + " last_error = r.error, delivered_at = CASE WHEN r.status = 'delivered' THEN now() END,"
                + " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
                + " FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::integer[], ?::text[])"
                + "   AS r(id, status, delay_ms, http_status, error)"
                + " WHERE a.id = r.id AND a.status = 'delivering' AND a.lease_owner = ? RETURNING a.id)"
                + " INSERT INTO " + database.table("attempt") + " (action_id, attempt_no, started_at, duration_ms,"
                + " http_status, outcome, error, response_excerpt, worker)"
                + " SELECT t.action_id, t.attempt_no, t.started_at::timestamptz, t.duration_ms, t.http_status, t.outcome,"
                + " t.error, t.excerpt, ? FROM unnest(?::bigint[], ?::integer[], ?::text[], ?::bigint[], ?::integer[],"
                + " ?::text[], ?::text[], ?::text[])"
                + "   AS t(action_id, attempt_no, started_at, duration_ms, http_status, outcome, error, excerpt)";
        this.releaseSql = "UPDATE " + action + " SET status = 'pending', next_attempt_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
                + " WHERE id = ? AND status = 'delivering' AND lease_owner = ?";
    }

    /** Claims up to {@code limit} due actions for {@code owner}; the lease covers at least their timeout. */
    List<ClaimedAction> claim(String owner, int limit, Duration lease, Duration connectTimeout) throws SQLException {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(claimSql)) {
            // Plan every claim afresh (the pool also sets plan_cache_mode): a generic plan made while
            // the outbox was empty made one claim of a sudden 20,000-action backlog run for minutes,
            // holding row locks that blocked the recording of attempts.
            ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(0);
            ps.setInt(1, limit);
            ps.setInt(2, limit);
            ps.setString(3, owner);
            ps.setLong(4, lease.toMillis());
            ps.setLong(5, connectTimeout.toMillis() + 5000); // headroom: a claimed action may wait for a host slot
            ps.setInt(6, limit);
            List<ClaimedAction> claimed = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimed.add(read(rs));
                }
            }
            // RETURNING does not promise an order; the workers send a batch concurrently anyway
            claimed.sort((x, y) -> Long.compare(x.id(), y.id()));
            return claimed;
        }
    }

    private static ClaimedAction read(ResultSet rs) throws SQLException {
        Array schedule = rs.getArray(10);
        Long[] boxed = (Long[]) schedule.getArray();
        long[] delays = new long[boxed.length];
        for (int i = 0; i < boxed.length; i++) {
            delays[i] = boxed[i];
        }
        Map<String, String> headers;
        try {
            headers = JSON.readValue(rs.getString(8), HEADERS);
        } catch (IOException e) {
            throw new SQLException("action " + rs.getLong(1) + ": headers are not a JSON object of strings", e);
        }
        return new ClaimedAction(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getString(7), headers, rs.getInt(9), delays,
                rs.getString(11), rs.getInt(12), rs.getInt(13), rs.getTimestamp(14).toInstant(),
                rs.getTimestamp(15).toInstant());
    }

    /**
     * Records finished attempts and moves their actions on, in one statement; released actions (never
     * sent, or the connector stopping) go back to pending in the same transaction.
     */
    void record(Collection<AttemptResult> results, String owner, String worker) throws SQLException {
        if (results.isEmpty()) {
            return;
        }
        List<AttemptResult> finished = new ArrayList<>(results.size());
        List<AttemptResult> released = new ArrayList<>();
        for (AttemptResult r : results) {
            (r.outcome() == AttemptOutcome.RELEASED ? released : finished).add(r);
        }
        try (Connection c = database.connection()) {
            if (released.isEmpty()) {
                finish(c, results, finished, owner, worker); // the usual case: one autocommitted statement
                return;
            }
            c.setAutoCommit(false);
            try (PreparedStatement release = c.prepareStatement(releaseSql)) {
                finish(c, results, finished, owner, worker);
                for (AttemptResult r : released) {
                    release.setLong(1, r.action().id());
                    release.setString(2, owner);
                    release.addBatch();
                }
                release.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Moves {@code finished} on and records every attempt of {@code results} that started. */
    private void finish(Connection c, Collection<AttemptResult> results, List<AttemptResult> finished, String owner,
            String worker) throws SQLException {
        int n = finished.size();
        Long[] ids = new Long[n];
        String[] statuses = new String[n];
        Long[] delays = new Long[n];
        Integer[] httpStatuses = new Integer[n];
        String[] errors = new String[n];
        for (int i = 0; i < n; i++) {
            AttemptResult r = finished.get(i);
            ids[i] = r.action().id();
            statuses[i] = switch (r.outcome()) {
                case DELIVERED -> "delivered";
                case RETRY -> "pending";
                case FAILED -> "failed";
                case RELEASED -> throw new IllegalArgumentException("released is not a finish");
            };
            delays[i] = r.outcome() == AttemptOutcome.RETRY ? r.retryDelayMs() : 0L;
            httpStatuses[i] = r.httpStatus();
            errors[i] = r.error();
        }
        List<AttemptResult> started = results.stream().filter(r -> r.startedAt() != null).toList();
        int m = started.size();
        Long[] actionIds = new Long[m];
        Integer[] attemptNos = new Integer[m];
        String[] startedAt = new String[m];
        Long[] durations = new Long[m];
        Integer[] attemptStatuses = new Integer[m];
        String[] outcomes = new String[m];
        String[] attemptErrors = new String[m];
        String[] excerpts = new String[m];
        for (int i = 0; i < m; i++) {
            AttemptResult r = started.get(i);
            actionIds[i] = r.action().id();
            attemptNos[i] = r.action().attemptNo();
            startedAt[i] = r.startedAt().toString();
            durations[i] = r.durationMs();
            attemptStatuses[i] = r.httpStatus();
            outcomes[i] = r.outcome().dbValue();
            attemptErrors[i] = r.error();
            excerpts[i] = r.responseExcerpt();
        }
        try (PreparedStatement ps = c.prepareStatement(finishSql)) {
            SqlArrays.bind(c, ps, 1, ids, statuses, delays, httpStatuses, errors);
            ps.setString(6, owner);
            ps.setString(7, worker);
            SqlArrays.bind(c, ps, 8, actionIds, attemptNos, startedAt, durations, attemptStatuses, outcomes,
                    attemptErrors, excerpts);
            ps.executeUpdate();
        }
    }

    /** Puts claimed actions that were never sent back to pending. */
    void release(Collection<ClaimedAction> actions, String owner) throws SQLException {
        List<AttemptResult> released = actions.stream().map(AttemptResult::released).toList();
        record(released, owner, null);
    }
}
