package com.startyhook.monitor;

import com.startyhook.store.Database;
import com.startyhook.store.SqlArrays;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The monitor's SQL: per-flow scan state ({@code monitor_state}), per-element fingerprints
 * ({@code monitor_element}) and once-per-element memory. Every method works on the caller's
 * connection, so a scan writes its state and its actions in one transaction.
 */
final class MonitorStore {

    /** The activation a flow holds right now: its content hash and when it was activated. */
    record ActiveContent(String hash, Instant activatedAt) {}

    /** What a scan needs to know from the previous ones. */
    record ScanState(String baselineHash, Instant baselineActivatedAt, Instant lastSuccessStarted) {
        boolean hasBaselineFor(ActiveContent active) {
            return active.hash().equals(baselineHash) && active.activatedAt().equals(baselineActivatedAt);
        }
    }

    private final Database database;
    private final String activation;
    private final String state;
    private final String element;
    private final String memory;

    MonitorStore(Database database) {
        this.database = database;
        this.activation = database.table("flow_activation");
        this.state = database.table("monitor_state");
        this.element = database.table("monitor_element");
        this.memory = database.table("element_memory");
    }

    Connection connection() throws SQLException {
        return database.connection();
    }

    /**
     * The flow's activation, share-locked until the caller's transaction ends: a deactivation
     * waits for a running scan to commit, and no scan enqueues anything after one committed.
     */
    Optional<ActiveContent> lockActivation(Connection c, String flow) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT active_hash, activated_at FROM " + activation
                + " WHERE flow_name = ? AND active_hash IS NOT NULL FOR SHARE")) {
            ps.setString(1, flow);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new ActiveContent(rs.getString(1), instant(rs, 2))) : Optional.empty();
            }
        }
    }

    /** The flow's scan state, row-locked until the caller's transaction ends (scans never overlap). */
    ScanState lockState(Connection c, String flow) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + state + " (flow_name) VALUES (?)"
                + " ON CONFLICT (flow_name) DO NOTHING")) {
            ps.setString(1, flow);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT baseline_hash, baseline_activated_at,"
                + " last_success_started FROM " + state + " WHERE flow_name = ? FOR UPDATE")) {
            ps.setString(1, flow);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new ScanState(rs.getString(1), instant(rs, 2), instant(rs, 3));
            }
        }
    }

    void forgetAllElements(Connection c, String flow) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + element + " WHERE flow_name = ?")) {
            ps.setString(1, flow);
            ps.executeUpdate();
        }
    }

    /** Stored fingerprints of the elements with {@code after < id <= upTo} (byte order; after null: no bound). */
    Map<String, String> fingerprints(Connection c, String flow, String after, String upTo) throws SQLException {
        String sql = "SELECT element_id, fingerprint FROM " + element + " WHERE flow_name = ? AND element_id <= ?"
                + (after == null ? "" : " AND element_id > ?");
        Map<String, String> result = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, flow);
            ps.setString(2, upTo);
            if (after != null) {
                ps.setString(3, after);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return result;
    }

    void forgetElements(Connection c, String flow, Collection<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + element
                + " WHERE flow_name = ? AND element_id = ANY (?)")) {
            ps.setString(1, flow);
            SqlArrays.bind(c, ps, 2, ids.toArray(String[]::new));
            ps.executeUpdate();
        }
    }

    /** Forgets the elements after {@code after} (all of them when null); returns how many. */
    int forgetElementsAfter(Connection c, String flow, String after) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + element + " WHERE flow_name = ?"
                + (after == null ? "" : " AND element_id > ?"))) {
            ps.setString(1, flow);
            if (after != null) {
                ps.setString(2, after);
            }
            return ps.executeUpdate();
        }
    }

    void storeFingerprints(Connection c, String flow, List<String> ids, List<String> fingerprints, Instant at)
            throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + element
                + " (flow_name, element_id, fingerprint, first_seen, last_changed)"
                + " SELECT ?, e, f, ?, ? FROM unnest(?::text[], ?::text[]) AS t (e, f)"
                + " ON CONFLICT (flow_name, element_id) DO UPDATE"
                + " SET fingerprint = excluded.fingerprint, last_changed = excluded.last_changed")) {
            ps.setString(1, flow);
            ps.setObject(2, timestamp(at));
            ps.setObject(3, timestamp(at));
            SqlArrays.bind(c, ps, 4, ids.toArray(String[]::new), fingerprints.toArray(String[]::new));
            ps.executeUpdate();
        }
    }

    /** Remembers that {@code flow} fired for {@code ids}; returns those it had never fired for. */
    Set<String> rememberFirstFirings(Connection c, String flow, Collection<String> ids) throws SQLException {
        Set<String> first = new HashSet<>();
        if (ids.isEmpty()) {
            return first;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + memory + " (flow_name, element_id)"
                + " SELECT ?, unnest(?::text[]) ON CONFLICT (flow_name, element_id) DO NOTHING RETURNING element_id")) {
            ps.setString(1, flow);
            SqlArrays.bind(c, ps, 2, ids.toArray(String[]::new));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    first.add(rs.getString(1));
                }
            }
        }
        return first;
    }

    void recordSuccess(Connection c, String flow, ActiveContent baseline, Instant started, int rows, int fired,
            long durationMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + state + " SET baseline_hash = ?,"
                + " baseline_activated_at = ?, last_scan_started = ?, last_scan_finished = clock_timestamp(),"
                + " last_success_started = ?, last_status = 'ok', last_error = NULL, last_rows = ?, last_fired = ?,"
                + " last_duration_ms = ? WHERE flow_name = ?")) {
            ps.setString(1, baseline.hash());
            ps.setObject(2, timestamp(baseline.activatedAt()));
            ps.setObject(3, timestamp(started));
            ps.setObject(4, timestamp(started));
            ps.setInt(5, rows);
            ps.setInt(6, fired);
            ps.setLong(7, durationMs);
            ps.setString(8, flow);
            ps.executeUpdate();
        }
    }

    /** Records a failed scan in its own transaction; leaves baseline, :since and fingerprints as they were. */
    void recordFailure(String flow, Instant started, String error, long durationMs) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + state + " AS s (flow_name,"
                        + " last_scan_started, last_scan_finished, last_status, last_error, last_duration_ms)"
                        + " VALUES (?, ?, clock_timestamp(), 'failed', ?, ?) ON CONFLICT (flow_name) DO UPDATE"
                        + " SET last_scan_started = excluded.last_scan_started,"
                        + " last_scan_finished = excluded.last_scan_finished, last_status = 'failed',"
                        + " last_error = excluded.last_error, last_duration_ms = excluded.last_duration_ms")) {
            ps.setString(1, flow);
            ps.setObject(2, timestamp(started));
            ps.setString(3, error);
            ps.setLong(4, durationMs);
            ps.executeUpdate();
        }
    }

    Map<String, FlowStatus> statuses() throws SQLException {
        Map<String, FlowStatus> result = new LinkedHashMap<>();
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT flow_name, last_scan_started, last_scan_finished,"
                        + " last_success_started, last_status, last_error, last_rows, last_fired, last_duration_ms"
                        + " FROM " + state + " ORDER BY flow_name");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                result.put(rs.getString(1), new FlowStatus(rs.getString(1), instant(rs, 2), instant(rs, 3),
                        instant(rs, 4), rs.getString(5), rs.getString(6), rs.getObject(7, Integer.class),
                        rs.getObject(8, Integer.class), rs.getObject(9, Long.class)));
            }
        }
        return result;
    }

    static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
