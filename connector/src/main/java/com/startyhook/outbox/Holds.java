package com.startyhook.outbox;

import com.startyhook.store.Database;
import com.startyhook.store.Transactions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Held actions (V56): the pending actions of a paused flow ({@code flows pause}) or of a disabled endpoint
 * (410 Gone, or failing for {@code delivery.disable-after}) have {@code next_attempt_at = 'infinity'}. They
 * sort after every due action in action_claimable, so the claim, which reads that index's head up to its
 * LIMIT, never reads them. Whoever sets {@code next_attempt_at} keeps the hold with {@link #dueNowUnlessHeld}
 * or {@link #held}; pausing and disabling hold the open actions, resuming and re-enabling release them (due
 * now, so in id order; per-element order is kept by the waiting flag). Enqueues, recordings of attempts and
 * {@code outbox retry} take the schema's holds lock shared ({@link #lockShared}), before the statement that
 * writes, and keep it until they commit; the commands here change the state, hold or release, then wait for
 * the transactions that held the lock at that moment (never blocking anyone) and hold or release again: an
 * action enqueued while a command runs is never left due in a paused flow, nor held in a resumed one.
 */
public final class Holds {
    public record Pause(String flow, Instant pausedAt, String pausedBy, long held) {}

    public record Endpoint(String url, String state, Instant failingSince, String lastError, Instant disabledAt,
            String reason, long held) {
        public boolean disabled() {
            return "disabled".equals(state);
        }
    }

    private final Database database;
    private final String schema;
    private final String action;

    public Holds(Database database) {
        this.database = database;
        this.schema = database.schema();
        this.action = database.table("action");
    }

    /** The first key of the holds lock: derived from the schema, so that connectors of other schemas don't wait. */
    static int lockKey(String schema) {
        byte[] b = ("startyhook-holds:" + schema).getBytes(StandardCharsets.UTF_8);
        int h = 0;
        for (byte x : b) {
            h = 31 * h + (x & 0xff);
        }
        return h;
    }

    /** A statement that takes the schema's holds lock shared until the transaction ends (enqueue, delivery). */
    public static String lockShared(String schema) {
        return "SELECT pg_advisory_xact_lock_shared(" + lockKey(schema) + ", 56)";
    }

    /** True when action {@code alias} of {@code schema} is to be held: its flow is paused or its URL disabled. */
    public static String held(String schema, String alias) {
        return held(schema, alias + ".flow_name", alias + ".url");
    }

    /** True when an action of flow {@code flow} to URL {@code url} (SQL expressions) is to be held. */
    static String held(String schema, String flow, String url) {
        return "(EXISTS (SELECT 1 FROM " + schema + ".flow_pause hp WHERE hp.flow_name = " + flow + ")"
                + " OR " + endpointDisabled(schema, url) + ")";
    }

    private static String endpointDisabled(String schema, String url) {
        return "EXISTS (SELECT 1 FROM " + schema + ".endpoint he WHERE md5(he.url) = md5(" + url + ")"
                + " AND he.url = " + url + " AND he.state = 'disabled')";
    }

    /** The {@code next_attempt_at} of an action put back to pending: now, or 'infinity' when it is held. */
    public static String dueNowUnlessHeld(String schema, String alias) {
        return "CASE WHEN " + held(schema, alias) + " THEN 'infinity'::timestamptz ELSE now() END";
    }

    /**
     * What a command did: whether the state changed, how many actions it held or released, and how many
     * enqueues or recordings of attempts that began before it were still running when it stopped waiting
     * for them (0 but after a long condition scan; see {@link #WAIT_FOR_RUNNING}).
     */
    public record Change(boolean changed, long actions, int stillRunning) {}

    /** Pauses {@code flow}'s deliveries and holds its pending actions. */
    public Change pause(String flow, String by) throws SQLException {
        return twoPasses(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".flow_pause (flow_name,"
                    + " paused_by) VALUES (?, ?) ON CONFLICT (flow_name) DO NOTHING")) {
                ps.setString(1, flow);
                ps.setString(2, by);
                return ps.executeUpdate() == 1;
            }
            // through action_open_by_element (flow_name first): the flow's open actions, never its history
        }, "UPDATE " + action + " a SET next_attempt_at = 'infinity', updated_at = now() WHERE a.flow_name = ?"
                + " AND a.status = 'pending' AND a.next_attempt_at <> 'infinity'"
                + " AND EXISTS (SELECT 1 FROM " + schema + ".flow_pause p WHERE p.flow_name = a.flow_name)", flow);
    }

    /** Resumes {@code flow}: its held actions are due now (those of a disabled endpoint stay held). */
    public Change resume(String flow) throws SQLException {
        return twoPasses(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".flow_pause WHERE flow_name = ?")) {
                ps.setString(1, flow);
                return ps.executeUpdate() == 1;
            }
        }, "UPDATE " + action + " a SET next_attempt_at = now(), updated_at = now() WHERE a.flow_name = ?"
                + " AND a.status = 'pending' AND a.next_attempt_at = 'infinity' AND NOT " + held(schema, "a"), flow);
    }

    /** Enables {@code url} again: it is sent to, its held actions are due now (those of a paused flow stay held). */
    public Change enable(String url, String by) throws SQLException {
        return twoPasses(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + schema + ".endpoint SET state = 'enabled',"
                    + " failing_since = NULL, last_error = NULL, enabled_at = now(), enabled_by = ?"
                    + " WHERE md5(url) = md5(?) AND url = ? AND state = 'disabled'")) {
                ps.setString(1, by);
                ps.setString(2, url);
                ps.setString(3, url);
                return ps.executeUpdate() == 1;
            }
            // through action_open_by_url: the endpoint's open actions, never its history
        }, "UPDATE " + action + " a SET next_attempt_at = now(), updated_at = now() WHERE md5(a.url) = md5(?)"
                + " AND a.url = ? AND a.status = 'pending' AND a.next_attempt_at = 'infinity'"
                + " AND NOT " + held(schema, "a"), url, url);
    }

    /** How long a command waits for the enqueues and recordings of attempts that began before it. */
    static final Duration WAIT_FOR_RUNNING = Duration.ofSeconds(30);

    /**
     * Changes the state ({@code mark}) and runs {@code pass} in one transaction; then waits for the enqueues and
     * recordings of attempts that hold the holds lock (they began before, and may not have seen the change)
     * and runs {@code pass} again, for what they wrote. Nobody waits for the command: it takes no lock.
     */
    private Change twoPasses(Transactions.Work<Boolean> mark, String pass, String... args) throws SQLException {
        try (Connection c = database.connection()) {
            long[] first = Transactions.inTransaction(c, tx -> new long[] {mark.run(tx) ? 1 : 0, update(tx, pass, args)});
            int running = awaitRunning(c, lockHolders(c));
            return new Change(first[0] == 1, first[1] + update(c, pass, args), running);
        }
    }

    private static long update(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    private static final String HOLDERS = "FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
            + " AND objid = 56 AND classid::bigint = ? AND database = (SELECT oid FROM pg_database"
            + " WHERE datname = current_database())";

    /** The transactions (virtual ids) that hold the holds lock now. */
    private String[] lockHolders(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(array_agg(virtualtransaction), '{}') "
                + HOLDERS)) {
            ps.setLong(1, Integer.toUnsignedLong(lockKey(schema)));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return (String[]) rs.getArray(1).getArray();
            }
        }
    }

    /** Waits until none of {@code holders} holds the lock any more, at most {@link #WAIT_FOR_RUNNING}; how many still do. */
    private int awaitRunning(Connection c, String[] holders) throws SQLException {
        long deadline = System.nanoTime() + WAIT_FOR_RUNNING.toNanos();
        int running = holders.length;
        while (running > 0) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) " + HOLDERS
                    + " AND virtualtransaction = ANY(?)")) {
                ps.setLong(1, Integer.toUnsignedLong(lockKey(schema)));
                ps.setArray(2, c.createArrayOf("text", holders));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    running = rs.getInt(1);
                }
            }
            if (running == 0 || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return running;
    }

    /** The paused flows, by name, with how many actions each holds. */
    public List<Pause> paused() throws SQLException {
        List<Pause> out = new ArrayList<>();
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT p.flow_name, p.paused_at, p.paused_by,"
                        + " (SELECT count(*) FROM " + action + " a WHERE a.flow_name = p.flow_name"
                        + "   AND a.status = 'pending' AND a.next_attempt_at = 'infinity')"
                        + " FROM " + schema + ".flow_pause p ORDER BY p.flow_name");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Pause(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getLong(4)));
            }
        }
        return out;
    }

    /** The endpoints that failed at least once (disabled ones first), with how many actions each holds. */
    public List<Endpoint> endpoints() throws SQLException {
        List<Endpoint> out = new ArrayList<>();
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT e.url, e.state, e.failing_since, e.last_error,"
                        + " e.disabled_at, e.reason, CASE WHEN e.state = 'disabled' THEN (SELECT count(*) FROM "
                        + action + " a WHERE md5(a.url) = md5(e.url) AND a.url = e.url AND a.status = 'pending'"
                        + " AND a.next_attempt_at = 'infinity') ELSE 0 END"
                        + " FROM " + schema + ".endpoint e ORDER BY e.state = 'disabled' DESC, e.url");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Endpoint(rs.getString(1), rs.getString(2), instant(rs.getTimestamp(3)), rs.getString(4),
                        instant(rs.getTimestamp(5)), rs.getString(6), rs.getLong(7)));
            }
        }
        return out;
    }

    /** The names of the paused flows and the URLs of the disabled endpoints: what metrics and /health show. */
    public record Summary(List<String> pausedFlows, List<String> disabledEndpoints) {}

    /** Reads the two small tables only, never the outbox: cheap enough for every metrics refresh. */
    public Summary summary() throws SQLException {
        List<String> flows = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT 'flow', flow_name FROM " + schema + ".flow_pause"
                        + " UNION ALL SELECT 'url', url FROM " + schema + ".endpoint WHERE state = 'disabled'"
                        + " ORDER BY 1, 2");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                (rs.getString(1).equals("flow") ? flows : urls).add(rs.getString(2));
            }
        }
        return new Summary(List.copyOf(flows), List.copyOf(urls));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
