package com.startyhook.monitor;

import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorFixture;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.rules.RulesLoader;
import com.startyhook.signing.SignatureVerifier;
import com.startyhook.store.Activations;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, point 2, on a real PostgreSQL and a real HTTPS receiver: a condition flow whose query is
 * an aggregate that no entity maps (document totals per organization and document type) names its
 * element kind in the trigger; the query's id is the element key, its organization column scopes it,
 * and the signed webhook's payload carries the kind ({@code entity}) and the key ({@code id}).
 * Once-per-element memory and the fingerprints work by that key.
 */
class ConditionOverAnyQueryIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KIND = "document_totals";
    private static final String QUERY = "SELECT d.organization_id || '/' || d.doc_type AS id, d.organization_id AS organization,"
            + " d.doc_type AS doc_type, sum(d.total) AS total, count(*) AS documents FROM erp.document d"
            + " WHERE d.number LIKE 'AQ-%' GROUP BY d.organization_id, d.doc_type HAVING sum(d.total) >= 1000";

    @Test
    void aQueryOverNoEntityFiresSignedWebhooksNamingTheElementKindAndKey() throws Exception {
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "totals-every", flow("totals-every", "every-time", "\"all\"", receiver.url("/every")));
        writeFlow(rules, "totals-once", flow("totals-once", "once-per-element", "[\"7\"]", receiver.url("/once")));
        ConnectorFixture fixture = new ConnectorFixture(PG, rules, "anyquery").trust(receiver)
                .allowPrivateHosts("localhost");
        try (Connector connector = fixture.start()) {
            Activations activations = new Activations(connector.database());
            activate(activations, "totals-every");
            activate(activations, "totals-once");
            awaitScanAfter("totals-every", now());
            awaitScanAfter("totals-once", now());

            // organization 1: 600 is below the threshold, 600 more makes 1200 and the element 1/invoice enters
            document(1, "invoice", "600");
            awaitScanAfter("totals-every", now());
            assertThat(actions("totals-every")).as("600 < 1000: not in the result").isZero();
            document(1, "invoice", "600");
            document(7, "invoice", "2500");
            document(7, "order", "100");
            await().atMost(PATIENCE).until(() -> requests("/every").size() == 2 && requests("/once").size() == 1);

            SignatureVerifier verifier = new SignatureVerifier();
            byte[] secret = fixture.environment().get(ConnectorFixture.SECRET_ENV).getBytes(StandardCharsets.UTF_8);
            for (HttpsReceiver.Request r : receiver.receiver().requests()) {
                assertThat(verifier.verify(secret, r.body(), r.header("X-StartyHook-Timestamp"),
                        r.header("X-StartyHook-Signature")).valid()).as(r.bodyText()).isTrue();
                JsonNode p = JSON.readTree(r.body());
                assertThat(p.get("event").asText()).isEqualTo("condition");
                assertThat(p.get("entity").asText()).as("the element kind").isEqualTo(KIND);
            }
            List<JsonNode> every = payloads("/every");
            assertThat(every).extracting(p -> p.get("id").asText()).containsExactlyInAnyOrder("1/invoice", "7/invoice");
            JsonNode org1 = every.stream().filter(p -> p.get("id").asText().equals("1/invoice")).findFirst().orElseThrow();
            assertThat(org1.get("workflow").asText()).isEqualTo("totals-every");
            assertThat(org1.get("context").get("organization").asText()).isEqualTo("1");
            assertThat(org1.get("context").get("doc_type").asText()).isEqualTo("invoice");
            assertThat(new BigDecimal(org1.get("context").get("total").asText())).isEqualByComparingTo("1200");
            assertThat(org1.get("context").get("documents").asInt()).isEqualTo(2);
            JsonNode once = payloads("/once").get(0);
            assertThat(once.get("id").asText()).as("organizations [\"7\"]: the organization column scopes").isEqualTo("7/invoice");
            assertThat(once.get("entity").asText()).isEqualTo(KIND);
            assertThat(PG.queryValue("SELECT string_agg(entity || ' ' || element_id, ',' ORDER BY element_id)"
                    + " FROM startyhook.action WHERE flow_name = 'totals-every'")).as("the outbox names kind and key")
                    .isEqualTo(KIND + " 1/invoice," + KIND + " 7/invoice");

            // the row of 7/invoice changes while it stays in: every-time fires again, once-per-element does not;
            // it leaves and comes back: every-time fires again, once-per-element remembers the key
            document(7, "invoice", "10");
            await().atMost(PATIENCE).until(() -> requests("/every").size() == 3);
            PG.execute("UPDATE erp.document SET total = 0 WHERE organization_id = 7 AND number LIKE 'AQ-%'");
            awaitScanAfter("totals-every", now());
            awaitScanAfter("totals-once", now());
            PG.execute("UPDATE erp.document SET total = 3000 WHERE organization_id = 7 AND doc_type = 'invoice'"
                    + " AND number LIKE 'AQ-%'");
            await().atMost(PATIENCE).until(() -> requests("/every").size() == 4);
            awaitScanAfter("totals-once", now());
            assertThat(payloads("/every")).extracting(p -> p.get("id").asText())
                    .containsExactlyInAnyOrder("1/invoice", "7/invoice", "7/invoice", "7/invoice");
            assertThat(actions("totals-once")).as("once per element: 7/invoice fired once, ever").isEqualTo(1);
            assertThat(PG.queryValue("SELECT string_agg(element_id, ',') FROM startyhook.element_memory"
                    + " WHERE flow_name = 'totals-once'")).isEqualTo("7/invoice");
            assertThat(PG.queryValue("SELECT string_agg(element_id, ',' ORDER BY element_id) FROM startyhook.monitor_element"
                    + " WHERE flow_name = 'totals-every'")).as("fingerprints by key").isEqualTo("1/invoice,7/invoice");
        }
    }

    private static String flow(String name, String mode, String organizations, String url) {
        return """
                {
                  "name": "%s",
                  "trigger": {"type": "condition", "element": "%s", "query": "%s", "interval": "PT1S"},
                  "organizations": %s,
                  "mode": "%s",
                  "actions": [{"type": "webhook", "url": "%s", "secret": "env:%s", "retry": {"schedule": ["1s"]}}]
                }
                """.formatted(name, KIND, QUERY, organizations, mode, url, ConnectorFixture.SECRET_ENV);
    }

    private void activate(Activations activations, String flow) throws Exception {
        String hash = RulesLoader.withoutSecretResolution(false).load(rules).rules().flows().get(flow).contentHash();
        activations.activate(flow, hash, "test");
    }

    /** The database's clock, as timestamptz text. */
    private static String now() throws Exception {
        return (String) PG.queryValue("SELECT clock_timestamp()::text");
    }

    /** Waits for a successful scan of {@code flow} that started after {@code after}: it saw every change made before. */
    private static void awaitScanAfter(String flow, String after) {
        await().atMost(PATIENCE).until(() -> PG.count("startyhook.monitor_state WHERE flow_name = '" + flow
                + "' AND last_success_started > '" + after + "'::timestamptz") == 1);
    }

    private static void document(int organization, String type, String total) throws Exception {
        PG.execute("INSERT INTO erp.document (organization_id, doc_type, number, total) VALUES (" + organization
                + ", '" + type + "', 'AQ-' || nextval('erp.document_id_seq'), " + total + ")");
    }

    private List<HttpsReceiver.Request> requests(String path) {
        return receiver.receiver().requests().stream().filter(r -> r.path().equals(path)).toList();
    }

    private List<JsonNode> payloads(String path) {
        return requests(path).stream().map(r -> {
            try {
                return JSON.readTree(r.body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static long actions(String flow) throws Exception {
        return PG.count("startyhook.action WHERE flow_name = '" + flow + "'");
    }
}
