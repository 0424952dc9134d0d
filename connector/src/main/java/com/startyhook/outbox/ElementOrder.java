package com.startyhook.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;

/**
 * Per-element order in the outbox (V55): a pending action is {@code waiting}, and not claimable, while an
 * earlier pending or delivering action of its flow and element exists. The claim only reads claimable
 * actions, so whoever enqueues, closes or reopens actions keeps that rule, in its own transaction, with
 * the statements here: {@link OutboxWriter} when it enqueues, delivery when an action is delivered or
 * fails, {@link OutboxRepository} for {@code outbox retry} and {@code cancel}. Each statement looks up
 * one (flow, element) at a time through the partial index of open actions, so it costs what its keys
 * cost, never what the backlog or the history costs.
 */
public final class ElementOrder {
    /** The statuses that hold an element's later actions back. */
    public static final String OPEN = "('pending', 'delivering')";

    private final String releaseSql;
    private final String holdReopenedSql;
    private final String holdSuccessorsSql;
    private final String releaseOrphansSql;

    public ElementOrder(String schema) {
        String action = schema + ".action";
        // The first open action of each (flow, element), if it waits. Run after the closing statement, in the
        // same transaction: that statement waited for any enqueue holding the closed actions FOR SHARE, so a
        // fresh snapshot here sees the actions it enqueued behind them.
        this.releaseSql = "UPDATE " + action + " a SET waiting = false"
                + " FROM unnest(?::text[], ?::text[]) AS k(f, e)"
                + " CROSS JOIN LATERAL (SELECT min(x.id) AS head FROM " + action + " x"
                + "   WHERE x.flow_name = k.f AND x.element_id = k.e AND x.status IN " + OPEN + ") h"
                + " WHERE a.id = h.head AND a.waiting";
        // Put back to pending: waits if an earlier action of its element is open (that one locked FOR SHARE,
        // so that it cannot finish unseen before this commits) ...
        this.holdReopenedSql = "UPDATE " + action + " a SET waiting = true"
                + " FROM " + action + " r CROSS JOIN LATERAL (SELECT b.id FROM " + action + " b"
                + "   WHERE b.flow_name = r.flow_name AND b.element_id = r.element_id AND b.status IN " + OPEN
                + "     AND b.id < r.id ORDER BY b.id DESC LIMIT 1 FOR SHARE OF b) p"
                + " WHERE r.id = ANY(?) AND r.status = 'pending' AND a.id = r.id";
        // ... and the later pending actions of its element wait behind it again, as when it was first open
        this.holdSuccessorsSql = "UPDATE " + action + " a SET waiting = true"
                + " FROM (SELECT flow_name, element_id, min(id) AS first FROM " + action
                + "   WHERE id = ANY(?) AND status = 'pending' GROUP BY flow_name, element_id) r"
                + " WHERE a.flow_name = r.flow_name AND a.element_id = r.element_id AND a.id > r.first"
                + "   AND a.status = 'pending' AND NOT a.waiting";
        // Waiting actions after {@code ?} (in id order, at most {@code ?} of them) that are the first open action
        // of their element: released. Only a status changed by hand (psql) leaves one; the scalar subquery keeps
        // each check one index probe, whatever the planner thinks of the outbox.
        this.releaseOrphansSql = "WITH w AS (SELECT id, flow_name, element_id FROM " + action
                + "   WHERE status = 'pending' AND waiting AND id > ? ORDER BY id LIMIT ?),"
                + " released AS (UPDATE " + action + " a SET waiting = false FROM w"
                + "   WHERE a.id = w.id AND a.status = 'pending' AND a.waiting"
                + "     AND w.id = (SELECT min(x.id) FROM " + action + " x WHERE x.flow_name = w.flow_name"
                + "       AND x.element_id = w.element_id AND x.status IN " + OPEN + ") RETURNING a.id)"
                + " SELECT (SELECT count(*) FROM released), (SELECT max(id) FROM w), (SELECT count(*) FROM w)";
    }

    /**
     * The statement that releases the first open action of each (flow, element), if it waits; parameters: the
     * flows and the elements, as two parallel {@code text[]}.
     */
    public String releaseStatement() {
        return releaseSql;
    }

    /** Releases, on the caller's connection and transaction, what the closing of these elements' actions frees. */
    public void releaseNext(Connection c, String[] flows, String[] elements) throws SQLException {
        if (flows.length == 0) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(releaseSql)) {
            ps.setArray(1, c.createArrayOf("text", flows));
            ps.setArray(2, c.createArrayOf("text", elements));
            ps.executeUpdate();
        }
    }

    /** Actions {@code ids} were put back to pending (in the caller's transaction): they and their elements' later ones wait as the rule says. */
    void holdReopened(Connection c, Collection<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        java.sql.Array array = c.createArrayOf("bigint", ids.toArray());
        for (String sql : new String[] {holdReopenedSql, holdSuccessorsSql}) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setArray(1, array);
                ps.executeUpdate();
            }
        }
    }

    /** What one pass of {@link #releaseOrphans} did. */
    public record OrphanPass(long released, long lastId, long scanned) {}

    /**
     * Releases waiting actions left without an open predecessor (a status changed by hand), looking at up to
     * {@code limit} waiting actions after id {@code afterId}; a pass that scans fewer than {@code limit} has
     * reached the end.
     */
    public OrphanPass releaseOrphans(Connection c, long afterId, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(releaseOrphansSql)) {
            ps.setLong(1, afterId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new OrphanPass(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        }
    }
}
