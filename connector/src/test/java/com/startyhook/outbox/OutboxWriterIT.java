package com.startyhook.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.rules.WebhookAction;
import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The outbox insert (one statement per batch, from arrays): every value arrives intact, in order, once. */
class OutboxWriterIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static Database db;

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(2);
    }


    @BeforeEach
    void empty() throws Exception {
        PG.execute("TRUNCATE startyhook.action, startyhook.attempt");
    }

    private static NewAction action(String key, String element, String organization, Map<String, String> headers,
            List<Duration> schedule, String payload) {
        WebhookAction webhook = new WebhookAction(URI.create("https://hooks.example/in?x=1&y=%222%22,3"), "env:S",
                headers, Duration.ofMillis(7_500), schedule);
        return new NewAction(key, "flow-a", 1, "invoice", element, organization, "create", "event", "0/16B3748",
                webhook, payload);
    }

    private static int enqueue(List<NewAction> actions) throws Exception {
        try (Connection c = db.connection()) {
            return new OutboxWriter(db).enqueue(c, actions);
        }
    }

    @Test
    void awkwardValuesArriveExactlyAsGiven() throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Quote", "say \"hi\", {brace} \\ back");
        headers.put("X-Unicode", "caf\u00e9 \u2603");
        String payload = "{\"id\":\"a,b\",\"note\":\"{\\\"x\\\"} \\\\ NULL caf\u00e9\"}";
        NewAction a = action("k1", "a,b {c}", null, headers,
                List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.ofHours(12)), payload);
        NewAction b = action("k2", "NULL", "7", Map.of(), List.of(), "{}");

        assertThat(enqueue(List.of(a, b))).isEqualTo(2);

        try (Connection c = PG.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT message_id::text, dedup_key, element_id, organization, headers::text,"
                        + " timeout_ms, retry_schedule_ms::text, payload, url, action_index, source_position"
                        + " FROM startyhook.action ORDER BY id")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(a.messageId().toString());
            assertThat(rs.getString(2)).isEqualTo("k1");
            assertThat(rs.getString(3)).isEqualTo("a,b {c}");
            assertThat(rs.getString(4)).as("a null organization stays null").isNull();
            assertThat(rs.getString(5)).isEqualTo("{\"X-Quote\": \"say \\\"hi\\\", {brace} \\\\ back\","
                    + " \"X-Unicode\": \"caf\u00e9 \u2603\"}");
            assertThat(rs.getInt(6)).isEqualTo(7_500);
            assertThat(rs.getString(7)).isEqualTo("{0,5000,43200000}");
            assertThat(rs.getString(8)).as("the exact bytes that are signed and sent").isEqualTo(payload);
            assertThat(rs.getString(9)).isEqualTo("https://hooks.example/in?x=1&y=%222%22,3");
            assertThat(rs.getInt(10)).isEqualTo(1);
            assertThat(rs.getString(11)).isEqualTo("0/16B3748");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(3)).as("the text NULL is not a null").isEqualTo("NULL");
            assertThat(rs.getString(4)).isEqualTo("7");
            assertThat(rs.getString(5)).isEqualTo("{}");
            assertThat(rs.getString(7)).isEqualTo("{}");
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aBatchKeepsItsOrderAndEnqueueingItAgainAddsNothing() throws Exception {
        List<NewAction> batch = new ArrayList<>();
        for (int i = 0; i < OutboxWriter.CHUNK + 1_000; i++) { // two statements
            batch.add(action("order-" + i, Integer.toString(i % 7), "1", Map.of(), List.of(Duration.ofSeconds(5)),
                    "{\"seq\":" + i + "}"));
        }
        assertThat(enqueue(batch)).isEqualTo(OutboxWriter.CHUNK + 1_000);
        assertThat(enqueue(batch)).as("same dedup keys: a no-op").isZero();
        assertThat(enqueue(List.of(batch.get(5), action("new", "x", "1", Map.of(), List.of(), "{}")))).isEqualTo(1);

        List<String> keys = new ArrayList<>();
        try (Connection c = PG.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT dedup_key FROM startyhook.action ORDER BY id")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        List<String> expected = new ArrayList<>(batch.stream().map(NewAction::dedupKey).toList());
        expected.add("new");
        assertThat(keys).as("ids follow the batch's order (delivery order per element relies on it)")
                .containsExactlyElementsOf(expected);
    }
}
