package com.startyhook.outbox;

import com.startyhook.store.Database;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The operator's view of the outbox (docs/delivery.md "operator controls"): list actions by flow,
 * status, element and time; show one with its attempts; retry and cancel by id or in bulk. Every
 * change reports each action with its old and new state.
 */
public final class OutboxRepository {
    public static final Set<String> STATUSES = Set.of("pending", "delivering", "delivered", "failed", "cancelled");
    /** States {@code retry} accepts: failed, cancelled, and delivered (a replay with the same X-StartyHook-Id). */
    public static final Set<String> RETRYABLE = Set.of("failed", "cancelled", "delivered");
    public static final Set<String> CANCELLABLE = Set.of("pending", "failed");

    public record Filter(String flow, String status, String element, Instant since, int limit) {}

    public record ActionSummary(long id, String flowName, String entity, String elementId, String event,
            String status, int attempts, Integer lastHttpStatus, String lastError, Instant createdAt,
            Instant nextAttemptAt, Instant deliveredAt) {}

    public record Attempt(int attemptNo, Instant startedAt, long durationMs, Integer httpStatus, String outcome,
            String error, String responseExcerpt, String worker) {}

    public record ActionDetails(ActionSummary summary, UUID messageId, int actionIndex, String organization,
            String source, String sourcePosition, String url, String secretRef, String headers, int timeoutMs,
            List<Long> retryScheduleMs, String payload, String leaseOwner, Instant leaseExpiresAt, Instant updatedAt,
            List<Attempt> attempts) {}

    /** What an operator command did to one action; {@code to} is null when it was left unchanged. */
    public record Change(long id, String flowName, String elementId, String from, String to, String note) {
        public boolean changed() {
            return to != null;
        }
    }

    private static final String SUMMARY_COLUMNS = "id, flow_name, entity, element_id, event, status, attempts,"
            + " last_http_status, last_error, created_at, next_attempt_at, delivered_at";

    private final Database database;
    private final String action;
    private final String attempt;
    private final ElementOrder order;
    /** A retried action of a paused flow or a disabled endpoint stays held (Holds). */
    private final String dueNowUnlessHeld;
    private final String lockHolds;

    public OutboxRepository(Database database) {
        this.database = database;
        this.order = new ElementOrder(database.schema());
        this.action = database.table("action");
        this.attempt = database.table("attempt");
        this.dueNowUnlessHeld = Holds.dueNowUnlessHeld(database.schema(), "a");
        this.lockHolds = Holds.lockShared(database.schema());
    }

    /** The database this repository reads. */
    public Database database() {
        return database;
    }

    /** Actions matching {@code filter}, newest first. */
    public List<ActionSummary> list(Filter filter) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + SUMMARY_COLUMNS + " FROM " + action + " WHERE true");
        List<Object> args = new ArrayList<>();
        if (filter.flow() != null) {
            sql.append(" AND flow_name = ?");
            args.add(filter.flow());
        }
        if (filter.status() != null) {
            sql.append(" AND status = ?");
            args.add(filter.status());
        }
        if (filter.element() != null) {
            sql.append(" AND element_id = ?");
            args.add(filter.element());
        }
        if (filter.since() != null) {
            sql.append(" AND created_at >= ?");
            args.add(Timestamp.from(filter.since()));
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(filter.limit());
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<ActionSummary> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(summary(rs));
                }
            }
            return out;
        }
    }

    /** One action with all its attempts, oldest first. */
    /** The action a receiver knows by its X-StartyHook-Id. */
    public Optional<ActionDetails> showByMessageId(UUID messageId) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT id FROM " + action + " WHERE message_id = ?")) {
            ps.setObject(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return show(rs.getLong(1));
            }
        }
    }

    public Optional<ActionDetails> show(long id) throws SQLException {
        try (Connection c = database.connection()) {
            ActionDetails details;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SUMMARY_COLUMNS + ", message_id, action_index,"
                    + " organization, source, source_position, url, secret_ref, headers::text, timeout_ms,"
                    + " retry_schedule_ms, payload, lease_owner, lease_expires_at, updated_at FROM " + action
                    + " WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    Array schedule = rs.getArray("retry_schedule_ms");
                    details = new ActionDetails(summary(rs), rs.getObject("message_id", UUID.class),
                            rs.getInt("action_index"), rs.getString("organization"), rs.getString("source"),
                            rs.getString("source_position"), rs.getString("url"), rs.getString("secret_ref"),
                            rs.getString("headers"), rs.getInt("timeout_ms"), List.of((Long[]) schedule.getArray()),
                            rs.getString("payload"), rs.getString("lease_owner"), instant(rs, "lease_expires_at"),
                            instant(rs, "updated_at"), new ArrayList<>());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT attempt_no, started_at, duration_ms, http_status,"
                    + " outcome, error, response_excerpt, worker FROM " + attempt
                    + " WHERE action_id = ? ORDER BY started_at, id")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        details.attempts().add(new Attempt(rs.getInt(1), rs.getTimestamp(2).toInstant(),
                                rs.getLong(3), (Integer) rs.getObject(4), rs.getString(5), rs.getString(6),
                                rs.getString(7), rs.getString(8)));
                    }
                }
            }
            return Optional.of(details);
        }
    }

    /**
     * Puts failed, cancelled or delivered actions back to pending, due now, with their whole retry
     * schedule again; a delivered one is sent again with the same X-StartyHook-Id (a replay).
     */
    public List<Change> retry(Collection<Long> ids) throws SQLException {
        return change(ids, null, null, RETRYABLE, "pending",
                "status = 'pending', next_attempt_at = " + dueNowUnlessHeld + ", retry_base = a.attempts, delivered_at = NULL,"
                        + " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()");
    }

    /** Retries every action of {@code flow} (or of all flows when null) in {@code status}. */
    public List<Change> retry(String flow, String status) throws SQLException {
        return change(null, flow, status, RETRYABLE, "pending",
                "status = 'pending', next_attempt_at = " + dueNowUnlessHeld + ", retry_base = a.attempts, delivered_at = NULL,"
                        + " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()");
    }

    /** Cancels pending or failed actions: they will not be sent, and no longer hold their element back. */
    public List<Change> cancel(Collection<Long> ids) throws SQLException {
        return change(ids, null, null, CANCELLABLE, "cancelled", "status = 'cancelled', updated_at = now()");
    }

    public List<Change> cancel(String flow, String status) throws SQLException {
        return change(null, flow, status, CANCELLABLE, "cancelled", "status = 'cancelled', updated_at = now()");
    }

    private List<Change> change(Collection<Long> ids, String flow, String status, Set<String> from, String to,
            String set) throws SQLException {
        String verb = to.equals("pending") ? "retried" : "cancelled";
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(lockHolds)) {
                    ps.execute(); // a pause or resume running meanwhile: wait for it, so that its hold is seen
                }
                Map<Long, Change> changes = new LinkedHashMap<>();
                List<Long> eligible = new ArrayList<>();
                // lock the rows, so that a worker's claim cannot slip in between reading and changing
                StringBuilder select = new StringBuilder("SELECT id, flow_name, element_id, status FROM " + action);
                List<Object> args = new ArrayList<>();
                if (ids != null) {
                    select.append(" WHERE id = ANY(?)");
                    args.add(c.createArrayOf("bigint", ids.toArray()));
                } else {
                    select.append(" WHERE true");
                    if (flow != null) {
                        select.append(" AND flow_name = ?");
                        args.add(flow);
                    }
                    if (status != null) {
                        select.append(" AND status = ?");
                        args.add(status);
                    }
                }
                select.append(" ORDER BY id FOR UPDATE");
                try (PreparedStatement ps = c.prepareStatement(select.toString())) {
                    for (int i = 0; i < args.size(); i++) {
                        ps.setObject(i + 1, args.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long id = rs.getLong(1);
                            String old = rs.getString(4);
                            boolean ok = from.contains(old);
                            changes.put(id, new Change(id, rs.getString(2), rs.getString(3), old, ok ? to : null,
                                    ok ? null : "not " + verb + ": only " + String.join(", ", sorted(from))
                                            + " actions can be " + verb));
                            if (ok) {
                                eligible.add(id);
                            }
                        }
                    }
                }
                if (!eligible.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE " + action + " a SET " + set
                            + " WHERE a.id = ANY(?)")) {
                        ps.setArray(1, c.createArrayOf("bigint", eligible.toArray()));
                        ps.executeUpdate();
                    }
                    // per-element order, in the same transaction: reopened actions wait behind earlier open
                    // ones (and hold later ones back); cancelled ones let the next one of their element go
                    if (to.equals("pending")) {
                        order.holdReopened(c, eligible);
                    } else {
                        List<Change> cancelled = eligible.stream().map(changes::get).toList();
                        order.releaseNext(c, cancelled.stream().map(Change::flowName).toArray(String[]::new),
                                cancelled.stream().map(Change::elementId).toArray(String[]::new));
                    }
                }
                c.commit();
                List<Change> out = new ArrayList<>();
                if (ids != null) {
                    for (Long id : ids) {
                        out.add(changes.getOrDefault(id, new Change(id, null, null, null, null, "no such action")));
                    }
                } else {
                    out.addAll(changes.values());
                }
                return out;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    private static ActionSummary summary(ResultSet rs) throws SQLException {
        return new ActionSummary(rs.getLong("id"), rs.getString("flow_name"), rs.getString("entity"),
                rs.getString("element_id"), rs.getString("event"), rs.getString("status"), rs.getInt("attempts"),
                (Integer) rs.getObject("last_http_status"), rs.getString("last_error"), instant(rs, "created_at"),
                instant(rs, "next_attempt_at"), instant(rs, "delivered_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
