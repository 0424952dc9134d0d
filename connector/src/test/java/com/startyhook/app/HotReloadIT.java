package com.startyhook.app;

import static com.startyhook.app.ConnectorFixture.eventFlow;
import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.rules.RulesLoader;
import com.startyhook.store.Activations;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, hot reload: with {@code run} going, editing an active flow's file deactivates it at the
 * next reload tick, a new file starts inactive, activation brings a flow back, and the publication
 * follows the active flows' tables; all without a restart.
 */
class HotReloadIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void editedFlowsStopAtOnceNewOnesStartInactiveAndThePublicationFollowsTheActiveFlows() throws Exception {
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", receiver.url("/projects")));
        writeFlow(rules, "customers", eventFlow("customers", "customer", "\"create\"", receiver.url("/customers")));
        ConnectorFixture fixture = new ConnectorFixture(PG, rules, "hotreload").trust(receiver).allowPrivateHosts("localhost").withHttp();
        try (Connector connector = fixture.start()) {
            Activations activations = new Activations(connector.database());
            assertThat(flowState(connector, "projects")).isEqualTo("inactive");
            activate(activations, "projects");
            activate(activations, "customers");
            await().atMost(PATIENCE).until(() -> published(fixture), t -> t.equals(Set.of("erp.customer", "erp.project")));
            awaitCapturing(connector, "erp.customer", "erp.project");

            PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'P1', 'first')");
            await().atMost(PATIENCE).until(() -> actions("projects"), n -> n == 1);

            // an edit on disk: the flow is modified, hence inactive, at the next reload tick
            Path projects = rules.resolve("flows/projects.json");
            writeFlow(rules, "projects", Files.readString(projects).replace("test flow projects", "edited"));
            await().atMost(PATIENCE).until(() -> flowState(connector, "projects"), "modified"::equals);
            await().atMost(PATIENCE).until(() -> published(fixture), t -> t.equals(Set.of("erp.customer")));
            awaitCapturing(connector, "erp.customer");
            PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'P2', 'while modified')");
            PG.execute("INSERT INTO erp.customer (organization_id, name) VALUES (1, 'marker after P2')");
            await().atMost(PATIENCE).until(() -> actions("customers"), n -> n == 1);
            assertThat(actions("projects")).as("no action for a change while the flow was modified").isEqualTo(1);

            // a new flow file starts inactive: its table is not published, its events not queued
            writeFlow(rules, "documents", eventFlow("documents", "document", "\"create\"", receiver.url("/docs")));
            await().atMost(PATIENCE).until(() -> flowState(connector, "documents"), "inactive"::equals);
            PG.execute("INSERT INTO erp.document (organization_id, doc_type) VALUES (1, 'order')");
            PG.execute("INSERT INTO erp.customer (organization_id, name) VALUES (1, 'marker after document')");
            await().atMost(PATIENCE).until(() -> actions("customers"), n -> n == 2);
            assertThat(actions("documents")).isZero();
            assertThat(published(fixture)).isEqualTo(Set.of("erp.customer"));

            // activating the edited and the new flow: both tables published, events queued again
            activate(activations, "projects");
            activate(activations, "documents");
            await().atMost(PATIENCE).until(() -> published(fixture),
                    t -> t.equals(Set.of("erp.customer", "erp.document", "erp.project")));
            awaitCapturing(connector, "erp.customer", "erp.document", "erp.project");
            assertThat(flowState(connector, "projects")).isEqualTo("active");
            PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'P3', 'active again')");
            PG.execute("INSERT INTO erp.document (organization_id, doc_type) VALUES (1, 'invoice')");
            await().atMost(PATIENCE).until(() -> actions("projects") == 2 && actions("documents") == 1);
            assertThat(PG.queryValue("SELECT string_agg(element_id, ',' ORDER BY id) FROM startyhook.action"
                    + " WHERE flow_name = 'projects'")).as("P1 and P3, never P2").isEqualTo(PG.queryValue(
                    "SELECT string_agg(id::text, ',' ORDER BY id) FROM erp.project WHERE code IN ('P1', 'P3')"));
            await().atMost(PATIENCE).until(() -> receiver.receiver().requests().size() == 5);
        }
    }

    @Test
    void aBadEditKeepsTheLastGoodVersionRunningSaysWhyAndLosesNothing() throws Exception {
        ConnectorFixture.writeEntities(rules);
        String url = receiver.url("/kept");
        Path kept = writeFlow(rules, "kept", eventFlow("kept", "project", "\"create\"", url));
        ConnectorFixture fixture = new ConnectorFixture(PG, rules, "hotreload_bad").trust(receiver).allowPrivateHosts("localhost").withHttp();
        try (Connector connector = fixture.start()) {
            activate(new Activations(connector.database()), "kept");
            await().atMost(PATIENCE).until(() -> published(fixture), t -> t.equals(Set.of("erp.project")));
            awaitCapturing(connector, "erp.project");
            long before = actions("kept");

            // a bad edit: the same message as validate, in /health (and so the console); the flow keeps running
            writeFlow(rules, "kept", Files.readString(kept).replace(url, "https://hooks.example.com:99999/kept"));
            String message = kept + ": /actions/0/url: port 99999 is out of range — write a port from 1 to 65535, or none for 443";
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(JSON.readTree(ConnectorFixture.get(connector, "/health").body())
                    .path("details").path("rulesProblemMessages").toString()).contains(JSON.writeValueAsString(message)));
            assertThat(flowState(connector, "kept")).isEqualTo("active");
            PG.execute("INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'K1', 'during the bad edit')");
            await().atMost(PATIENCE).until(() -> actions("kept"), n -> n == before + 1);

            // fixed (a real change): the new version replaces the kept one and, modified, waits for activation
            writeFlow(rules, "kept", eventFlow("kept", "project", "\"create\"", url).replace("test flow kept", "fixed"));
            await().atMost(PATIENCE).until(() -> flowState(connector, "kept"), "modified"::equals);
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(JSON.readTree(ConnectorFixture.get(connector, "/health").body())
                    .path("details").path("rulesProblems").asInt()).isZero());
            await().atMost(PATIENCE).until(() -> receiver.receiver().requests().size() == 1);
        }
    }

    private void activate(Activations activations, String flow) throws Exception {
        String hash = RulesLoader.withoutSecretResolution(false).load(rules).rules().flows().get(flow).contentHash();
        activations.activate(flow, hash, "test");
    }

    private static String flowState(Connector connector, String flow) throws Exception {
        for (JsonNode f : JSON.readTree(ConnectorFixture.get(connector, "/api/flows").body())) {
            if (flow.equals(f.get("name").asText())) {
                return f.get("state").asText();
            }
        }
        return "absent";
    }

    /**
     * Waits until capture streams exactly these tables: a flow activated while no event flow was
     * active starts matching once the slot exists again (capture creates it when it starts).
     */
    static void awaitCapturing(Connector connector, String... tables) {
        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode capture = JSON.readTree(ConnectorFixture.get(connector, "/health").body()).path("details")
                    .path("capture");
            assertThat(capture.path("state").asText()).isEqualTo("RUNNING");
            Set<String> t = new TreeSet<>();
            capture.path("tables").forEach(n -> t.add(n.asText()));
            assertThat(t).isEqualTo(Set.of(tables));
        });
    }

    private static long actions(String flow) throws Exception {
        return PG.count("startyhook.action WHERE flow_name = '" + flow + "'");
    }

    /** The ERP tables in the publication. */
    private static Set<String> published(ConnectorFixture fixture) throws Exception {
        Set<String> tables = new TreeSet<>();
        try (Connection c = PG.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?"
                        + " AND schemaname = 'erp'")) {
            ps.setString(1, fixture.publication());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }
}
