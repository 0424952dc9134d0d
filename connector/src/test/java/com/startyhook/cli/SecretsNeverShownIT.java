package com.startyhook.cli;

import static com.startyhook.app.ConnectorFixture.eventFlow;
import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorFixture;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.rules.RulesLoader;
import com.startyhook.store.Activations;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Issue 6: with a distinctive webhook secret, database password and admin token, none of them
 * appears in the logs (Debezium's included, at INFO), /metrics, /health, the console page and API,
 * or the output of {@code flows} and {@code outbox show}.
 */
class SecretsNeverShownIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    static final String WEBHOOK_SECRET = "whsec-Sentinel-7Qx2vL9pK4";
    static final String DB_PASSWORD = "dbpass-Sentinel-3Hn8Wc5Rt1";
    static final String ADMIN_TOKEN = "admintoken-Sentinel-6Jm4Zb2Ys8";
    static final List<String> SECRETS = List.of(WEBHOOK_SECRET, DB_PASSWORD, ADMIN_TOKEN);

    @Test
    void secretsAppearNowhere() throws Exception {
        String role = "ops_secret_" + ProcessHandle.current().pid();
        // the connector's own role with a distinctive password (left in the throwaway test server)
        PG.execute("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role
                + " LOGIN SUPERUSER REPLICATION PASSWORD '" + DB_PASSWORD + "'");
        AtomicInteger calls = new AtomicInteger();
        receiver.receiver().respondWith(r -> calls.incrementAndGet() == 1
                ? HttpsReceiver.Response.status(500).withBody("first try refused") : HttpsReceiver.Response.status(200));
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", receiver.url("/projects")));

        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger debezium = (Logger) LoggerFactory.getLogger("io.debezium");
        Level debeziumLevel = debezium.getLevel();
        debezium.setLevel(Level.INFO);
        logs.start();
        root.addAppender(logs);
        List<String> seen = new ArrayList<>();
        try {
            ConnectorFixture fixture = new ConnectorFixture(PG, rules, "secrets").trust(receiver).allowPrivateHosts("localhost").withHttp()
                    .set("db.user", role).env("STARTYHOOK_DB_PASSWORD", DB_PASSWORD)
                    .env(ConnectorFixture.SECRET_ENV, WEBHOOK_SECRET).env("STARTYHOOK_HTTP_ADMIN_TOKEN", ADMIN_TOKEN);
            long id;
            try (Connector connector = fixture.start()) {
                new Activations(connector.database()).activate("projects", RulesLoader.withoutSecretResolution(false)
                        .load(rules).rules().flows().get("projects").contentHash(), "test");
                com.startyhook.app.HotReloadITAccess.awaitCapturing(connector, "erp.project");
                PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'S1', 'secretive')");
                await().atMost(Duration.ofSeconds(90)).until(() ->
                        PG.count("startyhook.action WHERE status = 'delivered'") == 1);
                id = ((Number) PG.queryValue("SELECT id FROM startyhook.action")).longValue();
                for (String path : List.of("/", "/health", "/metrics", "/api/flows", "/api/actions",
                        "/api/actions/" + id)) {
                    seen.add(path + ": " + ConnectorFixture.get(connector, path).body());
                }
                assertThat(seen.get(2)).contains("startyhook_outbox_actions");
                assertThat(seen.get(5)).contains("/projects").contains("first try refused");
            }
            assertThat(receiver.receiver().requests()).hasSize(2);

            StringWriter flows = new StringWriter();
            CommandLine cl = StartyHookCommand.newCommandLine();
            cl.setOut(new PrintWriter(flows, true));
            cl.setErr(new PrintWriter(flows, true));
            ((FlowsCommand) cl.getSubcommands().get("flows").getCommand()).environment = Map.of(
                    "SECRET_DB_PASSWORD", DB_PASSWORD, ConnectorFixture.SECRET_ENV, WEBHOOK_SECRET);
            assertThat(cl.execute("flows", "--rules", rules.toString(), "--db", PG.jdbcUrl(), "--db-user", role,
                    "--db-password-env", "SECRET_DB_PASSWORD")).as(flows.toString()).isZero();
            assertThat(flows.toString()).contains("projects").contains("active");
            seen.add("flows: " + flows);

            Cli show = Cli.run("outbox", "show", Long.toString(id), "--db", PG.jdbcUrl(), "--db-user", PG.user());
            assertThat(show.exitCode()).as(show.err()).isZero();
            assertThat(show.out()).contains("first try refused");
            seen.add("outbox show: " + show.out() + show.err());
        } finally {
            root.detachAppender(logs);
            debezium.setLevel(debeziumLevel);
        }
        for (ILoggingEvent e : logs.list) {
            seen.add("log: " + e.getFormattedMessage()
                    + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())));
        }
        assertThat(logs.list).as("the logs were captured").hasSizeGreaterThan(10);
        for (String text : seen) {
            for (String secret : SECRETS) {
                assertThat(text).as("a secret in " + text.substring(0, Math.min(60, text.length()))).doesNotContain(secret);
            }
        }
    }
}
