package com.startyhook.store;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of backfills ({@code flows backfill NAME}, table {@code backfill}, V57): one row per backfill
 * with its --where, rate, cursor (key of the last row read) and counters. The runner updates cursor and
 * counters with {@link #advance} in the transaction that enqueues the page's actions. At most one backfill of
 * a flow is {@code running}; a session-level advisory lock ({@link #lock}) says whether a process works on it
 * now (a running backfill without its lock was interrupted and resumes at the next {@code flows backfill}).
 */
public final class Backfills {
    /** One backfill. {@code cursor} is null before the first page; {@code estimatedRows} null when unknown. */
    public record Run(long id, String flow, String where, int rate, String status, List<String> cursor,
            Long estimatedRows, long scanned, long matched, long enqueued, long skipped, long actions,
            String startedBy, Instant startedAt, Instant updatedAt, Instant finishedAt, boolean working) {

        public boolean running() {
            return "running".equals(status);
        }

        /** Percent of the estimated rows read, or -1 when the estimate is unknown. */
        public int percent() {
            if (estimatedRows == null || estimatedRows <= 0) {
                return -1;
            }
            return (int) Math.min(99, scanned * 100 / estimatedRows);
        }

        /** One phrase for the {@code flows} list: running 40% (400/~1000 rows), interrupted at ..., done ... */
        public String summary() {
            String rows = scanned + (estimatedRows == null || estimatedRows < 0 ? "" : "/~" + estimatedRows) + " rows";
            return switch (status) {
                case "running" -> (working ? "running " + (percent() < 0 ? "" : percent() + "% ") + "(" + rows + ")"
                        : "interrupted after " + scanned + " rows (`flows backfill " + flow + "` resumes)")
                        + ", " + enqueued + " enqueued";
                case "done" -> "done " + (finishedAt == null ? "" : finishedAt.truncatedTo(ChronoUnit.SECONDS)) + ": "
                        + scanned + " rows, " + enqueued + " enqueued"
                        + (skipped > 0 ? ", " + skipped + " already fired" : "");
                default -> "cancelled after " + scanned + " rows, " + enqueued + " enqueued";
            };
        }
    }

    private static final String COLUMNS = "id, flow_name, where_sql, rate, status, cursor_key, estimated_rows, scanned,"
            + " matched, enqueued, skipped, actions, started_by, started_at, updated_at, finished_at";

    private final Database database;
    private final String table;
    private final int lockClass;

    public Backfills(Database database) {
        this.database = database;
        this.table = database.table("backfill");
        this.lockClass = hash("startyhook-backfill:" + database.schema());
    }

    /**
     * Takes the flow's backfill lock on {@code session} (a connection the caller keeps open while it works):
     * false when another session holds it. It is released when the session ends, also when its process dies.
     */
    public boolean lock(Connection session, String flow) throws SQLException {
        try (PreparedStatement ps = session.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            ps.setInt(1, lockClass);
            ps.setInt(2, hash(flow));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The process id of the session that holds the flow's backfill lock, or null. */
    public Integer lockHolder(Connection c, String flow) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_locks WHERE " + lockMatch()
                + " AND objid::bigint = (?::bigint & 4294967295) LIMIT 1")) {
            ps.setInt(1, lockClass);
            ps.setInt(2, hash(flow));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    private static String lockMatch() {
        return "locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = (?::bigint & 4294967295)"
                + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    }

    /** The flow's running backfill (interrupted or not), or empty. */
    public Optional<Run> running(Connection c, String flow) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM " + table + " WHERE flow_name = ? AND status = 'running'", flow);
    }

    /** The backfill {@code id}, locked until the transaction ends. */
    public Optional<Run> lockRow(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table
                + " WHERE id = ? FOR UPDATE")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(run(rs, true)) : Optional.empty();
            }
        }
    }

    /** Starts a backfill of {@code flow}; fails (unique index) when one is running. */
    public Run start(Connection c, String flow, String where, int rate, Long estimatedRows, String by)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (flow_name, where_sql, rate,"
                + " estimated_rows, started_by) VALUES (?, ?, ?, ?, ?) RETURNING " + COLUMNS)) {
            ps.setString(1, flow);
            ps.setString(2, where);
            ps.setInt(3, rate);
            if (estimatedRows == null) {
                ps.setNull(4, java.sql.Types.BIGINT);
            } else {
                ps.setLong(4, estimatedRows);
            }
            ps.setString(5, by);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return run(rs, true);
            }
        }
    }

    /** Sets the rate of a running backfill (a resume with another --rate). */
    public void rate(Connection c, long id, int rate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET rate = ?, updated_at = now()"
                + " WHERE id = ?")) {
            ps.setInt(1, rate);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    /** Records a page: the new cursor and what the page added to the counters. */
    public void advance(Connection c, long id, List<String> cursor, long scanned, long matched, long enqueued,
            long skipped, long actions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET cursor_key = ?, scanned = scanned + ?,"
                + " matched = matched + ?, enqueued = enqueued + ?, skipped = skipped + ?, actions = actions + ?,"
                + " updated_at = now() WHERE id = ? AND status = 'running'")) {
            ps.setArray(1, c.createArrayOf("text", cursor.toArray()));
            ps.setLong(2, scanned);
            ps.setLong(3, matched);
            ps.setLong(4, enqueued);
            ps.setLong(5, skipped);
            ps.setLong(6, actions);
            ps.setLong(7, id);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("backfill " + id + " is no longer running");
            }
        }
    }

    /** Ends a running backfill as {@code done} or {@code cancelled}; false when it was not running. */
    public boolean finish(Connection c, long id, String status) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET status = ?, finished_at = now(),"
                + " updated_at = now() WHERE id = ? AND status = 'running'")) {
            ps.setString(1, status);
            ps.setLong(2, id);
            return ps.executeUpdate() == 1;
        }
    }

    /** The newest backfill of every flow that has one (one index probe per flow name), with whether one works on it. */
    public Map<String, Run> latest(List<String> flows) throws SQLException {
        Map<String, Run> result = new HashMap<>();
        if (flows.isEmpty()) {
            return result;
        }
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT b.*, EXISTS (SELECT 1 FROM pg_locks WHERE "
                        + lockMatch() + " AND objid::bigint = (f.h::bigint & 4294967295)) FROM unnest(?::text[], ?::int[])"
                        + " AS f(name, h) CROSS JOIN LATERAL (SELECT " + COLUMNS + " FROM " + table
                        + " WHERE flow_name = f.name ORDER BY id DESC LIMIT 1) b")) {
            ps.setInt(1, lockClass);
            Array names = c.createArrayOf("text", flows.toArray());
            Array hashes = c.createArrayOf("integer", flows.stream().map(Backfills::hash).toArray());
            ps.setArray(2, names);
            ps.setArray(3, hashes);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Run r = run(rs, rs.getBoolean(17));
                    result.put(r.flow(), r);
                }
            }
        }
        return result;
    }

    private Optional<Run> one(Connection c, String sql, String flow) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, flow);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(run(rs, false)) : Optional.empty();
            }
        }
    }

    private static Run run(ResultSet rs, boolean working) throws SQLException {
        Array cursor = rs.getArray(6);
        long estimate = rs.getLong(7);
        Long estimated = rs.wasNull() ? null : estimate;
        return new Run(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                cursor == null ? null : Arrays.asList((String[]) cursor.getArray()), estimated, rs.getLong(8),
                rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getLong(12), rs.getString(13), instant(rs, 14),
                instant(rs, 15), instant(rs, 16), working);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /** A stable 32-bit hash of {@code text} (the advisory lock's keys). */
    static int hash(String text) {
        int h = 0;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + (b & 0xff);
        }
        return h;
    }
}
