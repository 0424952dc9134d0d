package com.startyhook.app;

import static com.startyhook.app.ConnectorFixture.eventFlow;
import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.rules.RulesLoader;
import com.startyhook.store.Activations;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 15, points 6 and 7: a connector started while its database is unreachable waits for it
 * (one log line per attempt, no stack trace), answers {@code /health/live} 200 and
 * {@code /health/ready} 503 with the reason meanwhile, and starts working once the database comes;
 * the probe paths match exactly; a wrong role or database still fails at once.
 */
class StartBeforeDatabaseIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void startedTwentySecondsBeforeTheDatabaseItWaitsThenWorks() throws Exception {
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", receiver.url("/projects")));
        writeFlow(rules, "stock-levels", """
                {
                  "name": "stock-levels",
                  "entity": "product",
                  "trigger": {"type": "condition", "query": "SELECT id, organization_id AS organization FROM erp.product",
                              "interval": "PT1S"},
                  "actions": [{"type": "webhook", "url": "https://localhost:9/never", "secret": "env:%s"}]
                }
                """.formatted(ConnectorFixture.SECRET_ENV));

        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger connectorLog = (Logger) LoggerFactory.getLogger(Connector.class);
        logs.start();
        connectorLog.addAppender(logs);
        int pgPort = URI.create(PG.jdbcUrl().substring("jdbc:".length())).getPort();
        try (TcpProxy proxy = new TcpProxy(pgPort)) {
            proxy.cut(); // the database is not there: connections are refused
            ConnectorFixture fixture = new ConnectorFixture(PG, rules, "startfirst").trust(receiver)
                    .allowPrivateHosts("localhost").withHttp()
                    .set("db.url", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + PG.databaseName());
            int port = fixture.httpPort();
            try (Connector connector = fixture.create()) {
                CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                    try {
                        connector.start();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(ConnectorFixture.get(port, "/health/live").statusCode()).isEqualTo(200);
                    JsonNode ready = json(port, "/health/ready", 503);
                    assertThat(ready.path("status").asText()).isEqualTo("DOWN");
                    assertThat(ready.path("details").path("ready").asBoolean(true)).isFalse();
                    assertThat(ready.path("details").path("notReady").path("database").asText())
                            .contains("refused");
                    JsonNode health = json(port, "/health", 503);
                    assertThat(health.path("details").path("state").asText()).isEqualTo("starting");
                    assertThat(health.path("details").path("database").asText()).isEqualTo("down");
                    assertThat(health.path("details").path("starting").asText()).contains("waiting for the database");
                });
                assertExactPaths(port);
                assertThat(ConnectorFixture.get(port, "/api/flows").statusCode()).isEqualTo(503);

                // the database stays away for 20 s: the connector waits and does not give up
                Thread.sleep(20_000);
                assertThat(started).isNotDone();
                assertThat(ConnectorFixture.get(port, "/health/live").statusCode()).isEqualTo(200);
                List<ILoggingEvent> waits = logs.list.stream()
                        .filter(e -> e.getFormattedMessage().contains("not reachable yet")).toList();
                assertThat(waits).isNotEmpty().allSatisfy(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.WARN);
                    assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
                });
                // one line per attempt, numbered
                for (int i = 0; i < waits.size(); i++) {
                    assertThat(waits.get(i).getFormattedMessage()).contains("(attempt " + (i + 1) + ")");
                }
                assertThat(waits.size()).isGreaterThanOrEqualTo(2);

                proxy.restore();
                started.get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                new Activations(connector.database()).activate("projects", RulesLoader.withoutSecretResolution(false)
                        .load(rules).rules().flows().get("projects").contentHash(), "test");
                new Activations(connector.database()).activate("stock-levels", RulesLoader
                        .withoutSecretResolution(false).load(rules).rules().flows().get("stock-levels").contentHash(),
                        "test");
                HotReloadIT.awaitCapturing(connector, "erp.project");
                await().atMost(PATIENCE).untilAsserted(() -> {
                    JsonNode ready = json(port, "/health/ready", 200);
                    assertThat(ready.path("details").path("ready").asBoolean()).isTrue();
                    assertThat(ready.path("details").path("role").asText()).isEqualTo("leader");
                    JsonNode health = json(port, "/health", 200);
                    assertThat(health.path("details").path("state").asText()).isEqualTo("running");
                    assertThat(health.path("details").path("monitors").path("stock-levels").path("schedule").asText())
                            .isEqualTo("on schedule");
                });
                assertExactPaths(port);
                assertThat(ConnectorFixture.get(port, "/api/flows").statusCode()).isEqualTo(200);
                assertThat(ConnectorFixture.get(port, "/").statusCode()).isEqualTo(200);

                PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'LATE', 'after the wait')");
                await().atMost(PATIENCE).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 1);

                proxy.cut();
                await().atMost(PATIENCE).untilAsserted(() -> {
                    JsonNode ready = json(port, "/health/ready", 503);
                    assertThat(ready.path("details").path("notReady").path("database").asText()).isNotBlank();
                    assertThat(ConnectorFixture.get(port, "/health/live").statusCode()).isEqualTo(200);
                });
                proxy.restore();
                await().atMost(PATIENCE).untilAsserted(() -> json(port, "/health/ready", 200));
            }
            assertThatThrownBy(() -> ConnectorFixture.get(port, "/health/live")).as("nothing answers once stopped")
                    .isInstanceOf(java.io.IOException.class);
        } finally {
            connectorLog.detachAppender(logs);
        }
    }

    @Test
    void anUnknownDatabaseOrRoleFailsAtOnceNamingTheKey() throws Exception {
        ConnectorFixture.writeEntities(rules);
        String base = PG.jdbcUrl().substring(0, PG.jdbcUrl().lastIndexOf('/') + 1);
        ConnectorFixture missingDb = new ConnectorFixture(PG, rules, "nodb").set("db.url", base + "no_such_database");
        assertThatThrownBy(missingDb::start).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("3D000");
            assertThat(Connector.databaseAdvice(e)).contains("db.url");
        });
        ConnectorFixture missingRole = new ConnectorFixture(PG, rules, "norole").set("db.user", "no_such_role");
        assertThatThrownBy(missingRole::start).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).startsWith("28");
            assertThat(Connector.databaseAdvice(e)).contains("db.user").contains("db.password");
        });
    }

    private static void assertExactPaths(int port) throws Exception {
        for (String path : List.of("/healthz", "/metricsXYZ", "/health/livez", "/health/ready/x", "/apix")) {
            assertThat(ConnectorFixture.get(port, path).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(ConnectorFixture.get(port, "/metrics").statusCode()).isEqualTo(200);
    }

    private static JsonNode json(int port, String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = ConnectorFixture.get(port, path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(expectedStatus);
        return JSON.readTree(r.body());
    }
}
