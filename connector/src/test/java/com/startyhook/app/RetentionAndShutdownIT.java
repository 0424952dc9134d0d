package com.startyhook.app;

import static com.startyhook.app.ConnectorFixture.eventFlow;
import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.rules.RulesLoader;
import com.startyhook.store.Activations;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6: the leader runs retention on {@code retention.interval}; a graceful stop with
 * deliveries in flight leaves no action {@code delivering}, and capture's offsets are committed,
 * so the next start neither loses nor repeats a change.
 */
class RetentionAndShutdownIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @Test
    void retentionDeletesOldDeliveredActionsAndAStopLeavesNothingDelivering() throws Exception {
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", receiver.url("/projects")));
        ConnectorFixture fixture = new ConnectorFixture(PG, rules, "retention").trust(receiver).allowPrivateHosts("localhost").withHttp()
                .set("retention.delivered", "3s").set("retention.interval", "500ms")
                .set("delivery.shutdown-grace", "1s");

        // phase 1: retention on a short interval; deliveries slower than the shutdown grace
        receiver.receiver().respondWith(r -> HttpsReceiver.Response.status(200).withDelay(4_000));
        String before;
        try (Connector connector = fixture.start()) {
            new Activations(connector.database()).activate("projects", RulesLoader.withoutSecretResolution(false)
                    .load(rules).rules().flows().get("projects").contentHash(), "test");
            HotReloadIT.awaitCapturing(connector, "erp.project");
            PG.execute("INSERT INTO startyhook.action (message_id, dedup_key, flow_name, action_index, entity,"
                    + " element_id, event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status,"
                    + " updated_at) VALUES (gen_random_uuid(), 'old', 'projects', 0, 'project', '0', 'create',"
                    + " 'event', 'https://x', 'env:S', 1000, '{}', '{}', 'delivered', now() - interval '1 day')");
            await().atMost(PATIENCE).until(() -> PG.count("startyhook.action WHERE dedup_key = 'old'") == 0);

            before = (String) PG.queryValue("SELECT pg_current_wal_insert_lsn()::text");
            PG.execute("INSERT INTO erp.project (organization_id, code, name)"
                    + " SELECT 1, 'P' || g, 'project ' || g FROM generate_series(1, 3) g");
            await().atMost(PATIENCE).until(() -> PG.count("startyhook.action WHERE status = 'delivering'") == 3);
        }
        assertThat(PG.count("startyhook.action WHERE status = 'delivering'")).as("a stop leaves none delivering")
                .isZero();
        assertThat(PG.count("startyhook.action WHERE status = 'pending' AND lease_owner IS NULL")).isEqualTo(3);
        assertThat(PG.count("startyhook.attempt WHERE outcome = 'released'")).isEqualTo(3);
        assertThat(PG.queryValue("SELECT bool_and((offset_value::jsonb ->> 'lsn')::bigint >= pg_wal_lsn_diff('"
                + before + "', '0/0')) FROM startyhook.capture_offset"))
                .as("capture's offset is past the inserts").isEqualTo(true);

        // phase 2: the next start delivers the released actions once, captures nothing twice,
        // and retention removes them once delivered for longer than retention.delivered
        receiver.receiver().respondWith(r -> HttpsReceiver.Response.status(200));
        receiver.receiver().clear();
        try (Connector connector = fixture.start()) {
            await().atMost(PATIENCE).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 3);
            Set<String> ids = new HashSet<>();
            receiver.receiver().requests().forEach(r -> ids.add(r.header("X-StartyHook-Id")));
            assertThat(ids).hasSize(3);
            HotReloadIT.awaitCapturing(connector, "erp.project");
            PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'P4', 'after restart')");
            await().atMost(PATIENCE).until(() -> PG.count("startyhook.action WHERE element_id IN"
                    + " (SELECT id::text FROM erp.project WHERE code = 'P4')") == 1);
            assertThat(PG.count("startyhook.action WHERE flow_name = 'projects'")).isEqualTo(4);
            await().atMost(PATIENCE).until(() -> PG.count("startyhook.action") == 0);
        }
    }
}
