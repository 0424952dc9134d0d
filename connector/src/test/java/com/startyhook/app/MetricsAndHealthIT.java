package com.startyhook.app;

import static com.startyhook.app.ConnectorFixture.eventFlow;
import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.rules.RulesLoader;
import com.startyhook.store.Activations;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6: /metrics is valid Prometheus text with the metrics operators need, and /health says
 * 200 with the leader's role while the database answers, 503 while it is unreachable (a network
 * cut between connector and database), and 200 again once it is back.
 */
class MetricsAndHealthIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void metricsParseAsPrometheusTextAndHealthFollowsTheDatabase() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        receiver.receiver().respondWith(r -> requests.incrementAndGet() == 1
                ? HttpsReceiver.Response.status(503) : HttpsReceiver.Response.status(200));
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", receiver.url("/projects")));
        writeFlow(rules, "stock-levels", condition("stock-levels",
                "SELECT id, organization_id AS organization, reorder_level FROM erp.product"));
        writeFlow(rules, "broken-scan", condition("broken-scan",
                "SELECT id, 1 / (organization_id - organization_id) AS boom FROM erp.product"));
        PG.execute("INSERT INTO erp.product (organization_id, sku, name) VALUES (1, 'SKU-1', 'widget')");

        int pgPort = URI.create(PG.jdbcUrl().substring("jdbc:".length())).getPort();
        try (TcpProxy proxy = new TcpProxy(pgPort)) {
            ConnectorFixture fixture = new ConnectorFixture(PG, rules, "metrics").trust(receiver).allowPrivateHosts("localhost").withHttp()
                    .set("db.url", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + PG.databaseName());
            try (Connector connector = fixture.start()) {
                Activations activations = new Activations(connector.database());
                for (String flow : new String[] {"projects", "stock-levels", "broken-scan"}) {
                    activations.activate(flow, RulesLoader.withoutSecretResolution(false).load(rules).rules().flows()
                            .get(flow).contentHash(), "test");
                }
                HotReloadIT.awaitCapturing(connector, "erp.project");
                PG.execute("INSERT INTO erp.project (organization_id, code, name)"
                        + " SELECT 1, 'P' || g, 'project ' || g FROM generate_series(1, 5) g");
                await().atMost(PATIENCE).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 5);

                await().atMost(PATIENCE).untilAsserted(() -> {
                    HttpResponse<String> response = ConnectorFixture.get(connector, "/metrics");
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.headers().firstValue("Content-Type").orElse(""))
                            .startsWith("text/plain; version=0.0.4");
                    PrometheusText m = PrometheusText.parse(response.body());
                    assertThat(m.types).containsEntry("startyhook_outbox_actions", "gauge")
                            .containsEntry("startyhook_delivery_attempts_total", "counter")
                            .containsEntry("startyhook_delivery_latency_seconds", "histogram")
                            .containsEntry("startyhook_actions_enqueued_total", "counter");
                    assertThat(m.value("startyhook_outbox_actions", Map.of("status", "delivered"))).isEqualTo(5);
                    assertThat(m.value("startyhook_outbox_actions", Map.of("status", "failed"))).isZero();
                    assertThat(m.value("startyhook_outbox_depth", Map.of())).isZero();
                    assertThat(m.value("startyhook_delivery_attempts_total", Map.of("outcome", "delivered")))
                            .isEqualTo(5);
                    assertThat(m.value("startyhook_delivery_attempts_total", Map.of("outcome", "retry")))
                            .isEqualTo(1);
                    assertThat(m.value("startyhook_delivery_latency_seconds_count", Map.of())).isEqualTo(5);
                    assertThat(m.value("startyhook_delivery_latency_seconds_bucket", Map.of("le", "+Inf")))
                            .isEqualTo(5);
                    assertThat(m.value("startyhook_actions_enqueued_total",
                            Map.of("source", "event", "event", "create"))).isEqualTo(5);
                    assertThat(m.value("startyhook_capture_changes_total",
                            Map.of("table", "erp.project", "kind", "create"))).isEqualTo(5);
                    assertThat(m.value("startyhook_events_detected_total",
                            Map.of("event", "create", "flow", "projects"))).isEqualTo(5);
                    assertThat(m.value("startyhook_replication_slot_lag_bytes", Map.of())).isGreaterThanOrEqualTo(0);
                    assertThat(m.value("startyhook_leader", Map.of())).isEqualTo(1);
                    assertThat(m.value("startyhook_flows_active", Map.of())).isEqualTo(3);
                    assertThat(m.value("startyhook_monitor_scan_duration_seconds", Map.of("flow", "stock-levels")))
                            .isGreaterThanOrEqualTo(0);
                    assertThat(m.value("startyhook_monitor_scan_failing", Map.of("flow", "stock-levels"))).isZero();
                    assertThat(m.value("startyhook_monitor_scan_failing", Map.of("flow", "broken-scan"))).isEqualTo(1);
                    assertThat(m.value("startyhook_monitor_scans_total",
                            Map.of("flow", "broken-scan", "outcome", "failed"))).isGreaterThanOrEqualTo(1);
                    assertThat(m.value("startyhook_monitor_scans_total",
                            Map.of("flow", "stock-levels", "outcome", "ok"))).isGreaterThanOrEqualTo(1);
                });

                JsonNode health = health(connector, 200);
                assertThat(health.path("status").asText()).isEqualTo("UP");
                assertThat(health.path("details").path("role").asText()).isEqualTo("leader");
                assertThat(health.path("details").path("database").asText()).isEqualTo("up");
                assertThat(health.path("details").path("capture").path("state").asText()).isEqualTo("RUNNING");

                proxy.cut();
                await().atMost(PATIENCE).untilAsserted(() -> {
                    JsonNode down = health(connector, 503);
                    assertThat(down.path("status").asText()).isEqualTo("DOWN");
                    assertThat(down.path("details").path("database").asText()).isEqualTo("down");
                    assertThat(down.path("details").path("databaseError").asText()).isNotBlank();
                });

                proxy.restore();
                await().atMost(PATIENCE).untilAsserted(() -> {
                    JsonNode up = health(connector, 200);
                    assertThat(up.path("details").path("role").asText()).isEqualTo("leader");
                    assertThat(up.path("details").path("capture").path("state").asText()).isEqualTo("RUNNING");
                });
                PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'P6', 'after the cut')");
                await().atMost(PATIENCE).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 6);
            }
        }
    }

    @Test
    void pausedFlowsAndDisabledEndpointsShowInMetricsAndHealth() throws Exception {
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", receiver.url("/projects")));
        try (Connector connector = new ConnectorFixture(PG, rules, "held").trust(receiver)
                .allowPrivateHosts("localhost").withHttp().start()) {
            await().atMost(PATIENCE).untilAsserted(() -> {
                PrometheusText m = PrometheusText.parse(ConnectorFixture.get(connector, "/metrics").body());
                assertThat(m.value("startyhook_flows_paused", Map.of())).isZero();
                assertThat(m.value("startyhook_endpoints_disabled", Map.of())).isZero();
            });
            com.startyhook.outbox.Holds holds = new com.startyhook.outbox.Holds(connector.database());
            holds.pause("projects", "test");
            PG.execute("INSERT INTO startyhook.endpoint (url, state, disabled_at, reason) VALUES"
                    + " ('https://gone.example/hook', 'disabled', now(), 'HTTP 410 Gone')");
            try {
                await().atMost(PATIENCE).untilAsserted(() -> {
                    PrometheusText m = PrometheusText.parse(ConnectorFixture.get(connector, "/metrics").body());
                    assertThat(m.value("startyhook_flows_paused", Map.of())).isEqualTo(1);
                    assertThat(m.value("startyhook_endpoints_disabled", Map.of())).isEqualTo(1);
                    JsonNode details = health(connector, 200).path("details");
                    assertThat(details.path("pausedFlows").toString()).isEqualTo("[\"projects\"]");
                    assertThat(details.path("disabledEndpoints").toString())
                            .isEqualTo("[\"https://gone.example/hook\"]");
                });
            } finally {
                // the other test of this class shares the database and delivers the flow "projects"
                holds.resume("projects");
                PG.execute("DELETE FROM startyhook.endpoint");
            }
        }
    }

    private static JsonNode health(Connector connector, int expectedStatus) throws Exception {
        HttpResponse<String> r = ConnectorFixture.get(connector, "/health");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        return JSON.readTree(r.body());
    }

    private static String condition(String name, String query) {
        return """
                {
                  "name": "%s",
                  "entity": "product",
                  "trigger": {"type": "condition", "query": "%s", "interval": "PT1S"},
                  "actions": [{"type": "webhook", "url": "https://localhost:9/never", "secret": "env:%s"}]
                }
                """.formatted(name, query, ConnectorFixture.SECRET_ENV);
    }
}
