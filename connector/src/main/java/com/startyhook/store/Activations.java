package com.startyhook.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which content of each flow an operator activated (docs/rules.md). A flow is active only while the
 * hash of its current content equals the stored hash: any edit deactivates it until it is
 * activated again. Activation is explicit, by command or console, never implicit.
 */
public final class Activations {

    /** The stored activation of one flow. {@code activeHash} is null when deactivated. */
    public record Activation(String flowName, String activeHash, Instant activatedAt, String activatedBy,
            Instant deactivatedAt, String deactivatedBy) {
        public boolean isActiveFor(String contentHash) {
            return activeHash != null && activeHash.equals(contentHash);
        }
    }

    private final Database database;

    public Activations(Database database) {
        this.database = database;
    }

    /** Every stored activation, by flow name. */
    public Map<String, Activation> all() throws SQLException {
        Map<String, Activation> result = new HashMap<>();
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT flow_name, active_hash, activated_at, activated_by,"
                        + " deactivated_at, deactivated_by FROM " + database.table("flow_activation"));
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                result.put(rs.getString(1), new Activation(rs.getString(1), rs.getString(2), instant(rs, 3),
                        rs.getString(4), instant(rs, 5), rs.getString(6)));
            }
        }
        return result;
    }

    public Optional<Activation> of(String flowName) throws SQLException {
        return Optional.ofNullable(all().get(flowName));
    }

    /** Activates {@code contentHash} of {@code flowName}; returns true when this changed anything. */
    public boolean activate(String flowName, String contentHash, String by) throws SQLException {
        return changeLogged(flowName, contentHash, "activate", by, "INSERT INTO " + database.table("flow_activation")
                + " (flow_name, active_hash, activated_at, activated_by) VALUES (?, ?, now(), ?)"
                + " ON CONFLICT (flow_name) DO UPDATE SET active_hash = excluded.active_hash,"
                + " activated_at = excluded.activated_at, activated_by = excluded.activated_by"
                + " WHERE flow_activation.active_hash IS DISTINCT FROM excluded.active_hash",
                flowName, contentHash, by);
    }

    /** Deactivates {@code flowName}; returns true when it was active. */
    public boolean deactivate(String flowName, String contentHash, String by) throws SQLException {
        return changeLogged(flowName, contentHash == null ? "" : contentHash, "deactivate", by, "UPDATE "
                + database.table("flow_activation") + " SET active_hash = NULL, deactivated_at = now(),"
                + " deactivated_by = ? WHERE flow_name = ? AND active_hash IS NOT NULL", by, flowName);
    }

    /** Runs {@code sql} with {@code parameters} and, in the same transaction, logs the change when it changed a row. */
    private boolean changeLogged(String flowName, String hash, String change, String by, String sql,
            String... parameters) throws SQLException {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            int changed;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    ps.setString(i + 1, parameters[i]);
                }
                changed = ps.executeUpdate();
            }
            if (changed > 0) {
                log(c, flowName, hash, change, by);
            }
            c.commit();
            return changed > 0;
        }
    }

    private void log(Connection c, String flowName, String hash, String change, String by) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + database.table("flow_activation_log")
                + " (flow_name, content_hash, change, changed_by) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, flowName);
            ps.setString(2, hash);
            ps.setString(3, change);
            ps.setString(4, by);
            ps.executeUpdate();
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        var ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }
}
