package com.startyhook.delivery;

import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxWriter;
import com.startyhook.rules.WebhookAction;
import com.startyhook.store.Database;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Enqueues test actions through the real {@link OutboxWriter}. */
final class Outboxes {
    static final String SECRET_NAME = "HOOK_SECRET";
    static final String SECRET = "s3cret-for-tests";

    private Outboxes() {}

    static WebhookAction webhook(String url, Duration timeout, long... scheduleMs) {
        return new WebhookAction(URI.create(url), "env:" + SECRET_NAME, Map.of("X-Tenant", "acme"), timeout,
                Arrays.stream(scheduleMs).mapToObj(Duration::ofMillis).toList());
    }

    static NewAction action(String flow, String element, WebhookAction webhook, int seq) {
        String payload = "{\"id\":\"" + element + "\",\"event\":\"update\",\"entity\":\"project\",\"workflow\":\""
                + flow + "\",\"context\":{\"seq\":" + seq + ",\"note\":\"caf\u00e9\"}}";
        return new NewAction(flow + ":" + element + ":" + seq + ":" + UUID.randomUUID(), flow, 0, "project", element,
                "7", "update", "manual", null, webhook, payload);
    }

    static void enqueue(Database db, List<NewAction> actions) throws SQLException {
        try (Connection c = db.connection()) {
            new OutboxWriter(db).enqueue(c, actions);
        }
    }
}
