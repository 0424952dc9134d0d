package com.startyhook.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Actions by status for /metrics and /health: exact through the partial indexes, delivered estimated on a big outbox. */
class ConnectorMetricsIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static Database db;

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(2);
    }

    @BeforeEach
    void fill() throws Exception {
        PG.execute("TRUNCATE startyhook.action, startyhook.attempt");
        PG.execute("INSERT INTO startyhook.action (message_id, dedup_key, flow_name, action_index, entity, element_id,"
                + " event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status, lease_owner,"
                + " lease_expires_at)"
                + " SELECT gen_random_uuid(), 'k' || g, 'f', 0, 'invoice', g::text, 'create', 'event', 'https://x',"
                + " 'env:S', 1000, '{}', '{}', s, CASE WHEN s = 'delivering' THEN 'w' END,"
                + " CASE WHEN s = 'delivering' THEN now() + interval '1 minute' END"
                + " FROM generate_series(1, 1012) g, LATERAL (SELECT CASE WHEN g <= 1000 THEN 'delivered'"
                + " WHEN g <= 1004 THEN 'pending' WHEN g <= 1007 THEN 'delivering' WHEN g <= 1009 THEN 'failed'"
                + " ELSE 'cancelled' END AS s) st");
    }


    private static Map<String, Long> refreshed(long exactUpTo) throws Exception {
        ConnectorMetrics metrics = new ConnectorMetrics(db, "no_such_slot", Long.MAX_VALUE, () -> false, () -> 0);
        metrics.exactDeliveredUpTo(exactUpTo);
        metrics.refresh(false, null);
        return metrics.actionsByStatus();
    }

    @Test
    void countsEveryStatusExactlyOnASmallOutbox() throws Exception {
        assertThat(refreshed(ConnectorMetrics.EXACT_DELIVERED_UP_TO)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pending", 4L, "delivering", 3L, "delivered", 1000L, "failed", 2L, "cancelled", 3L));
    }

    @Test
    void estimatesOnlyDeliveredOnceTheOutboxIsBig() throws Exception {
        PG.execute("ANALYZE startyhook.action"); // statistics: 1,012 rows
        PG.execute("INSERT INTO startyhook.action (message_id, dedup_key, flow_name, action_index, entity, element_id,"
                + " event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status)"
                + " SELECT gen_random_uuid(), 'late' || g, 'f', 0, 'invoice', g::text, 'create', 'event', 'https://x',"
                + " 'env:S', 1000, '{}', '{}', 'delivered' FROM generate_series(1, 50) g");
        PG.execute("UPDATE startyhook.action SET status = 'failed' WHERE id = (SELECT min(id) FROM startyhook.action"
                + " WHERE status = 'cancelled')");

        // estimated: 1,012 rows by the statistics less the 4 + 3 + 3 + 2 counted exactly (the 50 new rows unseen)
        assertThat(refreshed(100)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pending", 4L, "delivering", 3L, "delivered", 1000L, "failed", 3L, "cancelled", 2L));
        assertThat(refreshed(ConnectorMetrics.EXACT_DELIVERED_UP_TO)).containsEntry("delivered", 1050L);
    }
}
