package com.startyhook.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RetentionIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static Database db;

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(2);
    }


    private static void action(String key, String status, String age) throws Exception {
        PG.execute("INSERT INTO startyhook.action (message_id, dedup_key, flow_name, action_index, entity, element_id,"
                + " event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status, created_at, updated_at)"
                + " VALUES (gen_random_uuid(), '" + key + "', 'f', 0, 'invoice', '" + key + "', 'create', 'event',"
                + " 'https://x', 'env:S', 1000, '{}', '{}', '" + status + "', now() - interval '" + age + "', now() - interval '" + age + "');"
                + "INSERT INTO startyhook.attempt (action_id, attempt_no, started_at, duration_ms, outcome)"
                + " SELECT id, 1, now(), 1, 'retry' FROM startyhook.action WHERE dedup_key = '" + key + "'");
    }

    @Test
    void deletesOldFinishedActionsInBatchesAndKeepsFailedOnesLongerAndOpenOnesAlways() throws Exception {
        for (int i = 0; i < 25; i++) {
            action("old-delivered-" + i, "delivered", "8 days");
        }
        action("old-cancelled", "cancelled", "8 days");
        action("recent-delivered", "delivered", "1 day");
        action("failed-10d", "failed", "10 days");
        action("failed-40d", "failed", "40 days");
        action("old-pending", "pending", "90 days");

        long deleted = new Retention(db, Duration.ofDays(7), Duration.ofDays(30), 10).runOnce();

        assertThat(deleted).isEqualTo(27);
        assertThat(PG.count("startyhook.action WHERE dedup_key LIKE 'old-delivered-%'")).isZero();
        assertThat(PG.count("startyhook.action WHERE dedup_key IN ('old-cancelled', 'failed-40d')")).isZero();
        assertThat(PG.count("startyhook.action WHERE dedup_key IN ('recent-delivered', 'failed-10d', 'old-pending')"))
                .isEqualTo(3);
        assertThat(PG.count("startyhook.attempt")).as("attempts go with their actions").isEqualTo(3);
    }
}
