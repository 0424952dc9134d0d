package com.startyhook.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.store.Database;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/**
 * Enqueues actions in batches, idempotently ({@code ON CONFLICT (message_id) DO NOTHING}: the message id
 * is a name-based UUID of the dedup key), on a
 * connection the caller owns, so that the caller commits them in the same transaction as its own
 * state (once-per-element memory, capture offsets, monitor fingerprints). The insert trigger
 * notifies every connector's delivery workers.
 */
public final class OutboxWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String insertSql;

    public OutboxWriter(Database database) {
        this(database.schema());
    }

    public OutboxWriter(String schema) {
        this.insertSql = "INSERT INTO " + schema + ".action (message_id, dedup_key, flow_name, action_index, entity,"
                + " element_id, organization, event, source, source_position, url, secret_ref, headers, timeout_ms,"
                + " retry_schedule_ms, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)"
                + " ON CONFLICT (message_id) DO NOTHING";
    }

    /** Inserts {@code actions} in one batch; returns how many were new (not already enqueued). */
    public int enqueue(Connection connection, Collection<NewAction> actions) throws SQLException {
        if (actions.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = connection.prepareStatement(insertSql)) {
            for (NewAction a : actions) {
                ps.setObject(1, a.messageId());
                ps.setString(2, a.dedupKey());
                ps.setString(3, a.flowName());
                ps.setInt(4, a.actionIndex());
                ps.setString(5, a.entity());
                ps.setString(6, a.elementId());
                ps.setString(7, a.organization());
                ps.setString(8, a.event());
                ps.setString(9, a.source());
                ps.setString(10, a.sourcePosition());
                ps.setString(11, a.webhook().url().toString());
                ps.setString(12, a.webhook().secret());
                ps.setString(13, headersJson(a.webhook().headers()));
                ps.setInt(14, (int) a.webhook().timeout().toMillis());
                Array schedule = connection.createArrayOf("bigint",
                        a.webhook().retrySchedule().stream().map(Duration::toMillis).toArray(Long[]::new));
                ps.setArray(15, schedule);
                ps.setString(16, a.payload());
                ps.addBatch();
            }
            int inserted = 0;
            for (int n : ps.executeBatch()) {
                // with reWriteBatchedInserts the driver may report SUCCESS_NO_INFO (-2)
                inserted += n == PreparedStatement.SUCCESS_NO_INFO ? 1 : n;
            }
            return inserted;
        }
    }

    private static String headersJson(Map<String, String> headers) {
        try {
            return headers.isEmpty() ? "{}" : JSON.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("webhook headers cannot be serialised", e);
        }
    }
}
