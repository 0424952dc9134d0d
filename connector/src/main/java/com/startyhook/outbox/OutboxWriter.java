package com.startyhook.outbox;

import static com.startyhook.store.SqlArrays.ints;
import static com.startyhook.store.SqlArrays.strings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.store.Database;
import com.startyhook.store.SqlArrays;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Enqueues actions in batches (one statement each), idempotently ({@code ON CONFLICT (message_id) DO NOTHING}: the message id
 * is a name-based UUID of the dedup key), on a
 * connection the caller owns, so that the caller commits them in the same transaction as its own
 * state (once-per-element memory, capture offsets, monitor fingerprints). The insert trigger
 * notifies every connector's delivery workers. An action whose payload is larger than
 * {@link Payload#MAX_BYTES} is written as failed, with an error naming flow, element and size: it is
 * never sent and holds nothing else back.
 */
public final class OutboxWriter {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OutboxWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String insertSql;

    public OutboxWriter(Database database) {
        this(database.schema());
    }

    public OutboxWriter(String schema) {
        // One statement per batch from arrays, not a JDBC batch of single-row INSERTs (which the driver
        // rewrites into one huge VALUES list of 16 parameters a row): 2,048 rows took ~47 ms that way and
        // ~29 ms from unnest (docs/bench.md). WITH ORDINALITY ... ORDER BY keeps the ids in the batch's
        // order, which delivery order per element relies on.
        // Per-element order (ElementOrder, V55): an action waits when an earlier one of its flow and element is
        // open, in the outbox (held: the newest such action, locked FOR SHARE so that it cannot finish unseen
        // before this transaction commits) or earlier in this batch. Rows already enqueued (a batch written
        // again) are left out first, so that no new row waits behind one that is not inserted.
        String action = schema + ".action";
        // Held actions (Holds, V56): an action of a paused flow or to a disabled endpoint is enqueued held
        // (next_attempt_at 'infinity', after every due action in action_claimable). The holds lock, taken shared
        // by a statement of its own before the insert (whose snapshot is then taken after any pause or resume
        // that was running committed), makes a pause or resume wait for the enqueues in flight.
        // Hand-over (Handoff, delivery.handoff): of the actions due at once (not refused, not held, not waiting behind
        // an earlier open action of their element: the head of the element), the first ? (the room the workers of this
        // process reserved) are inserted already delivering, leased to those workers, and returned; the others pending.
        this.insertSql = Holds.lockShared(schema) + "; WITH r AS MATERIALIZED (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::integer[],"
                + " ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
                + " ?::integer[], ?::text[], ?::text[], ?::text[], ?::text[])"
                + "   WITH ORDINALITY AS r(m, d, f, i, en, el, o, ev, so, sp, u, sr, h, t, rs, p, st, le, n)"
                + "   WHERE NOT EXISTS (SELECT 1 FROM " + action + " x WHERE x.message_id = r.m::uuid)),"
                + " held AS MATERIALIZED (SELECT k.f, k.el FROM (SELECT DISTINCT f, el FROM r) k"
                + "   CROSS JOIN LATERAL (SELECT b.id FROM " + action + " b WHERE b.flow_name = k.f AND b.element_id = k.el"
                + "     AND b.status IN " + ElementOrder.OPEN + " ORDER BY b.id DESC LIMIT 1 FOR SHARE OF b) p),"
                + " s AS (SELECT r.*, st IS NULL AND " + Holds.held(schema, "r.f", "r.u") + " AS hold,"
                // refused at enqueue (st: failed) neither waits nor holds anything back
                + "   st IS NULL AND (count(*) FILTER (WHERE st IS NULL) OVER (PARTITION BY f, el ORDER BY n"
                + "     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > 0"
                + "   OR EXISTS (SELECT 1 FROM held WHERE held.f = r.f AND held.el = r.el)) AS w FROM r),"
                + " c AS (SELECT s.*, st IS NULL AND NOT hold AND NOT w AS due, count(*) FILTER (WHERE st IS NULL AND NOT hold"
                + "   AND NOT w) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rank FROM s),"
                + " k AS (SELECT c.*, due AND rank <= ? AS lz FROM c),"
                + " ins AS (INSERT INTO " + action + " (message_id, dedup_key, flow_name, action_index, entity,"
                + " element_id, organization, event, source, source_position, url, secret_ref, headers, timeout_ms,"
                + " retry_schedule_ms, payload, status, last_error, next_attempt_at, waiting, lease_owner, lease_expires_at)"
                + " SELECT m::uuid, d, f, i, en, el, o, ev, so, sp, u, sr, h::jsonb, t, rs::bigint[], p,"
                + " CASE WHEN lz THEN 'delivering' ELSE coalesce(st, 'pending') END, le,"
                + " CASE WHEN hold THEN 'infinity'::timestamptz ELSE now() END, w,"
                // the k-th leased action goes to the k-th slot of the grant (one worker's room after another's)
                + " CASE WHEN lz THEN (?::text[])[rank] END,"
                + " CASE WHEN lz THEN clock_timestamp() + ? * interval '1 millisecond' END"
                + " FROM k ORDER BY n ON CONFLICT (message_id) DO NOTHING"
                + " RETURNING id, message_id, status, created_at, lease_expires_at, lease_owner)"
                + " SELECT id, message_id, created_at, lease_expires_at, NULL::integer, lease_owner FROM ins"
                + "   WHERE status = 'delivering'"
                + " UNION ALL SELECT NULL, NULL, NULL, NULL, count(*)::integer, NULL FROM ins";
    }

    /** Rows per statement: a transaction of a million matching rows must not become one bind message of a GB. */
    static final int CHUNK = 2_000;

    /**
     * Inserts {@code actions} in their order, {@value #CHUNK} per statement, on the caller's connection
     * (and transaction); returns how many were new (not already enqueued).
     */
    public int enqueue(Connection connection, Collection<NewAction> actions) throws SQLException {
        return enqueue(connection, actions, null, new ArrayList<>());
    }

    /**
     * As {@link #enqueue(Connection, Collection)}, and up to {@code grant}'s capacity of the actions that are due at
     * once (the head of their element, not held) are inserted delivering, leased to the grant's owner, and added to
     * {@code leased}: the caller hands them over ({@link Handoff#handOver}) only once its transaction committed.
     *
     * @param grant null: every action is inserted pending
     */
    public int enqueue(Connection connection, Collection<NewAction> actions, Handoff.Grant grant,
            List<Handoff.Leased> leased) throws SQLException {
        if (actions.isEmpty()) {
            return 0;
        }
        List<NewAction> all = actions instanceof List<NewAction> l ? l : List.copyOf(actions);
        int inserted = 0;
        for (int from = 0; from < all.size(); from += CHUNK) {
            int room = grant == null ? 0 : grant.capacity() - leased.size();
            inserted += insert(connection, all.subList(from, Math.min(all.size(), from + CHUNK)), grant, room, leased);
        }
        return inserted;
    }

    private int insert(Connection connection, List<NewAction> actions, Handoff.Grant grant, int room,
            List<Handoff.Leased> leased) throws SQLException {
        List<String> refused = actions.stream().map(OutboxWriter::tooLarge).toList();
        refused.stream().filter(Objects::nonNull).forEach(tooLarge -> LOG.warn("{}", tooLarge));
        // a refused payload is inserted failed at once, never sent: it holds nothing back (only open actions do)
        try (PreparedStatement ps = connection.prepareStatement(insertSql)) {
            SqlArrays.bind(connection, ps, 1, strings(actions, a -> a.messageId().toString()),
                    strings(actions, NewAction::dedupKey), strings(actions, NewAction::flowName),
                    ints(actions, NewAction::actionIndex), strings(actions, NewAction::entity),
                    strings(actions, NewAction::elementId), strings(actions, NewAction::organization),
                    strings(actions, NewAction::event), strings(actions, NewAction::source),
                    strings(actions, NewAction::sourcePosition), strings(actions, a -> a.webhook().url().toString()),
                    strings(actions, a -> a.webhook().signing().encode()),
                    strings(actions, a -> headersJson(a.webhook().headers())),
                    ints(actions, a -> (int) a.webhook().timeout().toMillis()),
                    strings(actions, a -> a.webhook().retrySchedule().stream().map(d -> Long.toString(d.toMillis()))
                            .collect(Collectors.joining(",", "{", "}"))),
                    strings(actions, NewAction::payload),
                    strings(refused, why -> why == null ? null : "failed"), refused.toArray(String[]::new));
            ps.setInt(19, Math.max(0, room));
            List<String> slots = grant == null || room <= 0 ? List.of()
                    : grant.owners().subList(grant.capacity() - room, grant.capacity());
            ps.setArray(20, connection.createArrayOf("text", slots.toArray()));
            ps.setLong(21, grant == null ? 0 : grant.leaseMillis());
            ps.execute(); // the lock's result, then the insert's rows
            if (!ps.getMoreResults()) {
                throw new SQLException("the enqueue returned no result");
            }
            Map<java.util.UUID, NewAction> byId = null;
            int inserted = -1;
            try (ResultSet rs = ps.getResultSet()) {
                while (rs.next()) {
                    int count = rs.getInt(5);
                    if (!rs.wasNull()) {
                        inserted = count;
                        continue;
                    }
                    if (byId == null) {
                        byId = new HashMap<>();
                        for (NewAction a : actions) {
                            byId.put(a.messageId(), a);
                        }
                    }
                    leased.add(Handoff.Leased.of(rs.getLong(1), rs.getString(6), rs.getTimestamp(3).toInstant(),
                            rs.getTimestamp(4).toInstant(), byId.get(rs.getObject(2, java.util.UUID.class))));
                }
            }
            if (inserted < 0) {
                throw new SQLException("the enqueue returned no count");
            }
            return inserted;
        }
    }

    /** Why {@code a}'s payload is refused (naming flow, element and size), or null when it is not too large. */
    static String tooLarge(NewAction a) {
        int bytes = Payload.utf8Length(a.payload());
        if (bytes <= Payload.MAX_BYTES) {
            return null;
        }
        return "payload of " + bytes + " bytes is larger than the maximum of " + Payload.MAX_BYTES + " bytes (flow "
                + a.flowName() + ", element " + a.elementId() + "): failed at enqueue, not sent";
    }

    private static String headersJson(Map<String, String> headers) {
        try {
            return headers.isEmpty() ? "{}" : JSON.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("webhook headers cannot be serialised", e);
        }
    }
}
