package com.startyhook.delivery;

import static com.startyhook.store.SqlArrays.ints;
import static com.startyhook.store.SqlArrays.longs;
import static com.startyhook.store.SqlArrays.strings;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.outbox.ElementOrder;
import com.startyhook.outbox.Holds;
import com.startyhook.store.Database;
import com.startyhook.store.SqlArrays;
import com.startyhook.store.Transactions;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

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
    private final String renewSql;
    private final String releaseSql;
    private static final Comparator<AttemptResult> BY_ID = Comparator.comparingLong(r -> r.action().id());
    /** Claims under way, so that a stopping service can cancel them ({@link #cancelClaims()}). */
    private final Set<Statement> running = ConcurrentHashMap.newKeySet();

    /**
     * Client-side bound on a claim or a finish, on top of the pool's server-side statement_timeout: both
     * read the head of a partial index and take milliseconds; one that takes seconds is cancelled,
     * releasing its locks, and tried again.
     */
    static final int STATEMENT_TIMEOUT_SECONDS = 5;

    ActionQueue(Database database) {
        this(database, DeliveryConfig.DEFAULT_DISABLE_AFTER);
    }

    /** {@code disableAfter}: an endpoint failing continuously this long is disabled (delivery.disable-after). */
    ActionQueue(Database database, Duration disableAfter) {
        this.database = database;
        String action = database.table("action");
        String schema = database.schema();
        // Due claimable actions, and delivering ones whose lease expired (their worker died). Each kind is
        // the head of its own partial index (action_claimable, action_leased), read in index order up to
        // the limit: nothing else is compared, whatever the statistics say, so a claim costs what its LIMIT
        // costs at any backlog. Per-element order is not decided here: an action that an earlier open
        // action of its flow and element holds back is `waiting` and not in action_claimable (the enqueue
        // sets that flag; the finish releases the next one: ElementOrder), which also keeps two actions of
        // one element out of the same batch. (An anti-join here was planned as a nested loop after autovacuum had
        // analyzed an empty outbox: 15 s per claim at 5,000 pending; see docs/bench.md.)
        this.claimSql = "WITH due AS (SELECT c.id FROM " + action + " c"
                + "   WHERE c.status = 'pending' AND NOT c.waiting AND c.next_attempt_at <= now()"
                + "   ORDER BY c.next_attempt_at, c.id LIMIT ? FOR UPDATE SKIP LOCKED),"
                + " expired AS (SELECT c.id FROM " + action + " c"
                + "   WHERE c.status = 'delivering' AND c.lease_expires_at < now()"
                + "   ORDER BY c.lease_expires_at LIMIT ? FOR UPDATE SKIP LOCKED)"
                + " UPDATE " + action + " a SET status = 'delivering', lease_owner = ?,"
                + " lease_expires_at = now() + ? * interval '1 millisecond',"
                + " updated_at = now()"
                + " WHERE a.id IN (SELECT id FROM (SELECT id FROM expired UNION ALL SELECT id FROM due) u LIMIT ?)"
                + " RETURNING a.id, a.message_id, a.flow_name, a.element_id, a.event, a.url, a.secret_ref,"
                + " a.headers::text, a.timeout_ms, a.retry_schedule_ms, a.payload, a.attempts, a.retry_base, a.created_at";
        // A batch's finished attempts in one statement: the actions move on (only while we still hold the
        // lease: a worker that lost it, too slow, must not overwrite) and every attempt is recorded, all from
        // arrays. One UPDATE per action plus a batch of INSERTs took 10.8 ms per 32; the UPDATE from arrays
        // 7.9 ms; both in one autocommitted statement also spare a round trip and a commit (docs/bench.md).
        // It takes the holds lock shared first (Holds): a resume or an endpoint's re-enabling waits for it, so that
        // it never leaves a retried action held behind its back.
        this.finishSql = Holds.lockShared(schema) + "; WITH finished AS (UPDATE " + action + " a SET status = r.status,"
                + " attempts = a.attempts + 1,"
                // a retried action of a paused flow or a disabled endpoint is held (V56), never due
                + " next_attempt_at = CASE WHEN r.status = 'pending' AND " + Holds.held(schema, "a")
                + "   THEN 'infinity'::timestamptz ELSE now() + r.delay_ms * interval '1 millisecond' END,"
                + " last_http_status = r.http_status,"
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
                + "   AS t(action_id, attempt_no, started_at, duration_ms, http_status, outcome, error, excerpt)"
                // then, in the same transaction and round trip, the next action of each element whose action
                // was delivered or failed becomes claimable (ElementOrder); a second statement, so that its
                // snapshot sees what an enqueue that held a finished action FOR SHARE committed meanwhile
                + "; " + new ElementOrder(database.schema()).releaseStatement()
                // endpoint health, once per URL of the batch: a success clears failing_since, a failure sets it
                // (kept while it goes on failing), and 410 Gone or failing for disableAfter disables the endpoint
                + "; " + endpointHealthSql(schema, disableAfter)
                // the pending actions of a URL of the batch that is disabled are held, through action_open_by_url;
                // EXISTS (SELECT 1 FROM d) is evaluated once, before anything else: while no URL of the batch is
                // disabled (nearly always) no action is read (the join began with the actions of the URL,
                // every pending one, at each finish: 55 ms a finish at 86,000 pending)
                + "; WITH d AS MATERIALIZED (SELECT e.url FROM " + schema + ".endpoint e, unnest(?::text[]) AS u(url)"
                + "   WHERE md5(e.url) = md5(u.url) AND e.url = u.url AND e.state = 'disabled')"
                + " UPDATE " + action + " a SET next_attempt_at = 'infinity', updated_at = now() FROM d"
                + " WHERE md5(a.url) = md5(d.url) AND a.url = d.url AND a.status = 'pending'"
                + "   AND a.next_attempt_at <> 'infinity' AND EXISTS (SELECT 1 FROM d)";
        this.renewSql = "UPDATE " + action + " SET lease_expires_at = now() + ? * interval '1 millisecond'"
                + " WHERE id = ANY(?) AND status = 'delivering' AND lease_owner = ?";
        this.releaseSql = "UPDATE " + action + " a SET status = 'pending',"
                + " next_attempt_at = " + Holds.dueNowUnlessHeld(schema, "a") + ","
                + " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
                + " WHERE id = ? AND status = 'delivering' AND lease_owner = ?";
    }

    /**
     * The upsert of the batch's URLs into the endpoint table; parameters: URL, kind ('ok', 'failing' or
     * 'gone') and last error, as three parallel {@code text[]}, one row per URL.
     */
    private static String endpointHealthSql(String schema, Duration disableAfter) {
        String endpoint = schema + ".endpoint";
        String tooLong = "now() - coalesce(e.failing_since, now()) >= interval '" + disableAfter.toMillis()
                + " milliseconds'";
        return "WITH k AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) AS k(url, kind, error)),"
                + " cleared AS (UPDATE " + endpoint + " e SET failing_since = NULL, last_error = NULL FROM k"
                + "   WHERE k.kind = 'ok' AND md5(e.url) = md5(k.url) AND e.url = k.url"
                + "     AND e.failing_since IS NOT NULL AND e.state = 'enabled')"
                + " INSERT INTO " + endpoint + " AS e (url, state, failing_since, last_error, disabled_at, reason)"
                + " SELECT k.url, CASE WHEN k.kind = 'gone' THEN 'disabled' ELSE 'enabled' END, now(), k.error,"
                + "   CASE WHEN k.kind = 'gone' THEN now() END, CASE WHEN k.kind = 'gone' THEN k.error END"
                + " FROM k WHERE k.kind <> 'ok'"
                + " ON CONFLICT ((md5(url))) DO UPDATE SET failing_since = coalesce(e.failing_since, now()),"
                + " last_error = excluded.last_error,"
                + " state = CASE WHEN e.state = 'disabled' OR excluded.state = 'disabled' OR " + tooLong
                + "   THEN 'disabled' ELSE 'enabled' END,"
                + " disabled_at = CASE WHEN e.state = 'disabled' THEN e.disabled_at"
                + "   WHEN excluded.state = 'disabled' OR " + tooLong + " THEN now() END,"
                + " reason = CASE WHEN e.state = 'disabled' THEN e.reason WHEN excluded.state = 'disabled'"
                + "   THEN excluded.reason WHEN " + tooLong + " THEN 'failed continuously since ' || e.failing_since"
                + "   || ' (delivery.disable-after ' || '" + disableAfter + "' || '); last error: '"
                + "   || coalesce(excluded.last_error, 'none') END";
    }

    /**
     * The planner settings of a claim, in its own transaction: the head of action_claimable read in index order,
     * never a bitmap scan of every claimable action followed by a sort. With statistics taken while few actions
     * were claimable (a quiet spell, or early in a burst) the planner estimated 27 rows where there were 20,000
     * and chose the bitmap: 344 ms for a claim of 64 (docs/bench.md). Without a bitmap scan or a sort, reading
     * the index in order up to the LIMIT is the only plan left, whatever the statistics say.
     */
    static final String PLAN_SETTINGS = "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; ";

    /** The claim statement, for tests that read its plan; parameters as {@link #claim} binds them. */
    String claimStatement() {
        return claimSql;
    }

    /** Claims up to {@code limit} due actions for {@code owner}; the lease covers at least their timeout. */
    List<ClaimedAction> claim(String owner, int limit, Duration lease) throws SQLException {
        try (Connection c = database.connection()) {
            List<ClaimedAction> claimed = Transactions.inTransaction(c, tx -> {
                try (PreparedStatement ps = tx.prepareStatement(PLAN_SETTINGS + claimSql)) {
                    ps.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
                    running.add(ps);
                    // Plan every claim afresh (the pool also sets plan_cache_mode): a generic plan made while
                    // the outbox was empty made one claim of a sudden 20,000-action backlog run for minutes,
                    // holding row locks that blocked the recording of attempts.
                    ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(0);
                    ps.setInt(1, limit);
                    ps.setInt(2, limit);
                    ps.setString(3, owner);
                    ps.setLong(4, lease.toMillis());
                    ps.setInt(5, limit);
                    try {
                        return readAll(resultOf(ps));
                    } finally {
                        running.remove(ps);
                    }
                }
            });
            // RETURNING does not promise an order; the workers send a batch concurrently anyway
            claimed.sort((x, y) -> Long.compare(x.id(), y.id()));
            return claimed;
        }
    }

    /** The result set of a statement that follows {@link #PLAN_SETTINGS} (whose SETs return none). */
    private static ResultSet resultOf(PreparedStatement ps) throws SQLException {
        boolean isResultSet = ps.execute();
        while (!isResultSet && ps.getUpdateCount() != -1) {
            isResultSet = ps.getMoreResults();
        }
        if (!isResultSet) {
            throw new SQLException("the claim returned no result set");
        }
        return ps.getResultSet();
    }

    private static List<ClaimedAction> readAll(ResultSet results) throws SQLException {
        List<ClaimedAction> claimed = new ArrayList<>();
        try (ResultSet rs = results) {
            while (rs.next()) {
                claimed.add(read(rs));
            }
        }
        return claimed;
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
                rs.getString(11), rs.getInt(12), rs.getInt(13), rs.getTimestamp(14).toInstant());
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
        // one lock order (ids ascending) makes a deadlock with an enqueue that holds earlier actions FOR SHARE
        // rare; one that PostgreSQL still breaks fails this call, and the caller records the attempts again
        finished.sort(BY_ID);
        released.sort(BY_ID);
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
        List<AttemptResult> started = results.stream().filter(r -> r.startedAt() != null).toList();
        List<AttemptResult> closed = finished.stream().filter(r -> r.outcome() != AttemptOutcome.RETRY).toList();
        try (PreparedStatement ps = c.prepareStatement(finishSql)) {
            ps.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
            SqlArrays.bind(c, ps, 1, longs(finished, r -> r.action().id()), strings(finished, ActionQueue::status),
                    longs(finished, r -> r.outcome() == AttemptOutcome.RETRY ? r.retryDelayMs() : 0L),
                    ints(finished, AttemptResult::httpStatus), strings(finished, AttemptResult::error));
            ps.setString(6, owner);
            ps.setString(7, worker);
            SqlArrays.bind(c, ps, 8, longs(started, r -> r.action().id()), ints(started, r -> r.action().attemptNo()),
                    strings(started, r -> r.startedAt().toString()), longs(started, AttemptResult::durationMs),
                    ints(started, AttemptResult::httpStatus), strings(started, r -> r.outcome().dbValue()),
                    strings(started, AttemptResult::error), strings(started, AttemptResult::responseExcerpt));
            // the elements whose action was delivered or failed: their next action becomes claimable
            SqlArrays.bind(c, ps, 16, strings(closed, r -> r.action().flowName()),
                    strings(closed, r -> r.action().elementId()));
            // endpoint health: one row per URL, in URL order (two workers upserting the same endpoints lock them
            // in one order); a success in the batch means not failing continuously
            Map<String, String[]> byUrl = new TreeMap<>();
            for (AttemptResult r : finished) {
                String kind = endpointKind(r);
                byUrl.merge(r.action().url(), new String[] {kind, r.error()}, (old, now) -> rank(now[0]) > rank(old[0])
                        ? now : old);
            }
            List<Map.Entry<String, String[]>> urls = new ArrayList<>(byUrl.entrySet());
            SqlArrays.bind(c, ps, 18, strings(urls, Map.Entry::getKey), strings(urls, e -> e.getValue()[0]),
                    strings(urls, e -> e.getValue()[1]));
            List<Map.Entry<String, String[]>> failing = urls.stream().filter(e -> !"ok".equals(e.getValue()[0])).toList();
            SqlArrays.bind(c, ps, 21, strings(failing, Map.Entry::getKey));
            ps.execute();
        }
    }

    /** What a finished attempt says of its endpoint: 'ok', 'failing', or 'gone' (410: disable it at once). */
    private static String endpointKind(AttemptResult r) {
        if (r.outcome() == AttemptOutcome.DELIVERED) {
            return "ok";
        }
        return r.httpStatus() != null && r.httpStatus() == 410 ? "gone" : "failing";
    }

    /** Of a batch's attempts to one URL, 410 decides, then a success (not failing continuously), then a failure. */
    private static int rank(String kind) {
        return switch (kind) {
            case "gone" -> 2;
            case "ok" -> 1;
            default -> 0;
        };
    }

    /** The status a finished attempt leaves its action in. */
    private static String status(AttemptResult r) {
        return switch (r.outcome()) {
            case DELIVERED -> "delivered";
            case RETRY -> "pending";
            case FAILED -> "failed";
            case RELEASED -> throw new IllegalArgumentException("released is not a finish");
        };
    }

    /**
     * Cancels the claims under way (the service is stopping): each ends at once with an error and
     * its transaction, never committed, claims nothing.
     */
    void cancelClaims() {
        for (Statement s : running) {
            try {
                s.cancel();
            } catch (SQLException e) {
                // the statement finished meanwhile, or its connection is gone: nothing to cancel
            }
        }
    }

    /**
     * Extends the lease of {@code ids}, the actions {@code owner} holds, to {@code lease} from now; returns how
     * many it still held (one that another worker took over after a lapse is not taken back).
     */
    int renew(String owner, Collection<Long> ids, Duration lease) throws SQLException {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(renewSql)) {
            ps.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
            ps.setLong(1, lease.toMillis());
            ps.setArray(2, c.createArrayOf("bigint", ids.toArray()));
            ps.setString(3, owner);
            return ps.executeUpdate();
        }
    }

    /** Puts claimed actions that were never sent back to pending. */
    void release(Collection<ClaimedAction> actions, String owner) throws SQLException {
        List<AttemptResult> released = actions.stream().map(AttemptResult::released).toList();
        record(released, owner, null);
    }
}
