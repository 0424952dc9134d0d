package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.testsupport.PostgresExtension;
import com.startyhook.store.Database;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OutboxCommandIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @BeforeAll
    static void migrate() {
        try (Database db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "startyhook", 2)) {
            db.migrate();
        }
    }

    long failed1;
    long failed2;
    long delivered;
    long pending;
    long otherFlowFailed;

    @BeforeEach
    void outbox() throws Exception {
        PG.execute("TRUNCATE startyhook.action, startyhook.attempt, startyhook.endpoint, startyhook.flow_pause");
        failed1 = insert("invoice-paid", "42", "failed", 10);
        failed2 = insert("invoice-paid", "43", "failed", 10);
        delivered = insert("invoice-paid", "44", "delivered", 1);
        pending = insert("invoice-paid", "45", "pending", 0);
        otherFlowFailed = insert("project-created", "7", "failed", 3);
        PG.execute("INSERT INTO startyhook.attempt (action_id, attempt_no, started_at, duration_ms, http_status, outcome,"
                + " error, response_excerpt, worker) VALUES (" + failed1 + ", 1, now() - interval '1 minute', 12, 500,"
                + " 'retry', 'HTTP 500', 'upstream exploded', 'host:1/w1'), (" + failed1 + ", 2, now(), 8, null,"
                + " 'failed', 'timeout: no response within 10000 ms', null, 'host:1/w2')");
    }

    long insert(String flow, String element, String status, int attempts) throws Exception {
        return ((Number) PG.queryValue("INSERT INTO startyhook.action (message_id, dedup_key, flow_name, action_index,"
                + " entity, element_id, event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status,"
                + " attempts, last_http_status, delivered_at) VALUES (gen_random_uuid(), gen_random_uuid()::text, '"
                + flow + "', 0, 'invoice', '" + element + "', 'become', 'event', 'https://erp-hooks.example/in',"
                + " 'env:HOOK_SECRET', 10000, '{50,50}', '{\"id\":\"" + element + "\",\"event\":\"become\"}', '"
                + status + "', " + attempts + ", " + (status.equals("failed") ? "500" : "null") + ", "
                + (status.equals("delivered") ? "now()" : "null") + ") RETURNING id")).longValue();
    }

    Cli outbox(String... args) {
        List<String> all = new ArrayList<>(List.of("outbox"));
        all.addAll(List.of(args).subList(0, 1));
        all.addAll(List.of("--db", PG.jdbcUrl(), "--db-user", PG.user()));
        all.addAll(List.of(args).subList(1, args.length));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void listsActionsInAnAlignedTableWithFilters() {
        Cli all = outbox("list");
        assertThat(all.exitCode()).as(all.err()).isZero();
        String[] lines = all.out().split("\n");
        assertThat(lines[0]).startsWith("ID").contains("FLOW").contains("STATUS");
        assertThat(lines).hasSize(6);
        int statusColumn = lines[0].indexOf("STATUS");
        for (int i = 1; i < lines.length; i++) {
            assertThat(lines[i].substring(statusColumn)).as("aligned: %s", lines[i])
                    .matches("(pending|delivered|failed) .*");
        }

        Cli failedOfFlow = outbox("list", "--flow", "invoice-paid", "--status", "failed");
        assertThat(failedOfFlow.out()).contains("invoice 42").contains("invoice 43").doesNotContain("invoice 44")
                .doesNotContain("project-created");
        assertThat(outbox("list", "--element", "45").out()).contains("invoice 45").doesNotContain("invoice 42");
        assertThat(outbox("list", "--since", "1h", "--limit", "2").out().split("\n")).hasSize(3);
        assertThat(outbox("list", "--since", "2099-01-01T00:00:00Z").out()).contains("no actions match");
    }

    @Test
    void listsAsJsonForScripts() throws Exception {
        Cli cli = outbox("list", "--status", "failed", "--json");
        JsonNode json = new ObjectMapper().readTree(cli.out());
        assertThat(json.size()).isEqualTo(3);
        assertThat(json.get(0).get("status").asText()).isEqualTo("failed");
        assertThat(json.get(0).get("id").asLong()).isEqualTo(otherFlowFailed);
    }

    @Test
    void showsDetailsPrettyPayloadAndAttempts() {
        Cli cli = outbox("show", Long.toString(failed1));
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        assertThat(cli.out())
                .contains("action " + failed1)
                .contains("invoice-paid")
                .contains("https://erp-hooks.example/in")
                .contains("env:HOOK_SECRET")
                .contains("\"id\" : \"42\"")
                .contains("upstream exploded")
                .contains("timeout: no response within 10000 ms")
                .contains("host:1/w2");
        String messageId;
        try {
            messageId = PG.queryValue("SELECT message_id::text FROM startyhook.action WHERE id = " + failed1).toString();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        Cli byHeader = outbox("show", messageId);
        assertThat(byHeader.exitCode()).as(byHeader.err()).isZero();
        assertThat(byHeader.out()).contains("action " + failed1).contains(messageId);
        Cli missing = outbox("show", "999999");
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(missing.err()).contains("no action 999999");
    }

    @Test
    void retryByIdPutsFailedAndDeliveredBackToPendingAndSaysWhatItChanged() throws Exception {
        Cli cli = outbox("retry", Long.toString(failed1), Long.toString(delivered), Long.toString(pending));
        assertThat(cli.out())
                .contains("action " + failed1 + " (invoice-paid 42): failed -> pending")
                .contains("action " + delivered + " (invoice-paid 44): delivered -> pending")
                .contains("action " + pending + " (invoice-paid 45): unchanged, pending")
                .contains("2 actions retried");
        assertThat(cli.exitCode()).as("one id was not retried").isEqualTo(ExitCodes.PROBLEMS);
        assertThat(PG.queryValue("SELECT status || ' ' || attempts || ' ' || retry_base || ' ' || (next_attempt_at <= now())"
                + " FROM startyhook.action WHERE id = " + failed1)).isEqualTo("pending 10 10 true");
        assertThat(PG.queryValue("SELECT delivered_at IS NULL FROM startyhook.action WHERE id = " + delivered)).isEqualTo(true);
    }

    @Test
    void retryInBulkByFlowAndStatus() throws Exception {
        Cli cli = outbox("retry", "--flow", "invoice-paid", "--status", "failed");
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("2 actions retried").doesNotContain("project-created");
        assertThat(PG.count("startyhook.action WHERE status = 'failed'")).isEqualTo(1);
    }

    @Test
    void cancelByIdAndInBulk() throws Exception {
        Cli one = outbox("cancel", Long.toString(pending), Long.toString(delivered));
        assertThat(one.out()).contains("pending -> cancelled").contains("unchanged, delivered")
                .contains("1 action cancelled");
        Cli bulk = outbox("cancel", "--status", "failed");
        assertThat(bulk.exitCode()).isZero();
        assertThat(bulk.out()).contains("3 actions cancelled");
        assertThat(PG.count("startyhook.action WHERE status = 'cancelled'")).isEqualTo(4);

        Cli back = outbox("retry", Long.toString(otherFlowFailed));
        assertThat(back.out()).contains("cancelled -> pending");
    }

    @Test
    void refusesAmbiguousSelections() {
        Cli neither = outbox("retry");
        assertThat(neither.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(neither.err()).contains("give action ids");
        Cli badStatus = outbox("list", "--status", "broken");
        assertThat(badStatus.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(badStatus.err()).contains("--status must be one of");
    }

    @Test
    void endpointsListsDisabledOnesAndEnableEndpointReleasesTheirHeldActions() throws Exception {
        assertThat(outbox("endpoints").out()).contains("no endpoint has failed");
        PG.execute("INSERT INTO startyhook.endpoint (url, state, failing_since, last_error, disabled_at, reason) VALUES"
                + " ('https://erp-hooks.example/in', 'disabled', now(), 'HTTP 410', now(), 'HTTP 410 Gone: endpoint"
                + " disabled'), ('https://other.example/in', 'enabled', now(), 'HTTP 503', null, null)");
        PG.execute("UPDATE startyhook.action SET next_attempt_at = 'infinity' WHERE id = " + pending);

        Cli list = outbox("endpoints");
        assertThat(list.exitCode()).as(list.err()).isZero();
        String[] lines = list.out().split("\n");
        assertThat(lines[0]).startsWith("URL").contains("STATE").contains("HELD");
        assertThat(lines[1]).contains("https://erp-hooks.example/in").contains("disabled").contains(" 1 ")
                .contains("HTTP 410 Gone");
        assertThat(lines[2]).contains("https://other.example/in").contains("enabled").contains("HTTP 503");
        assertThat(list.out()).contains("outbox enable-endpoint URL");
        JsonNode json = new ObjectMapper().readTree(outbox("endpoints", "--json").out());
        assertThat(json.get(0).get("state").asText()).isEqualTo("disabled");
        assertThat(json.get(0).get("held").asLong()).isEqualTo(1);

        Cli enable = outbox("enable-endpoint", "https://erp-hooks.example/in");
        assertThat(enable.exitCode()).as(enable.err()).isZero();
        assertThat(enable.out()).contains("enabled https://erp-hooks.example/in: 1 held action(s) released");
        assertThat(PG.queryValue("SELECT next_attempt_at <= now() FROM startyhook.action WHERE id = " + pending))
                .isEqualTo(true);
        assertThat(PG.queryValue("SELECT state || ' ' || (enabled_by LIKE '%@%') FROM startyhook.endpoint"
                + " WHERE url = 'https://erp-hooks.example/in'")).as("enabled, by user@host").isEqualTo("enabled true");

        Cli again = outbox("enable-endpoint", "https://erp-hooks.example/in");
        assertThat(again.exitCode()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(again.out()).contains("not disabled: https://erp-hooks.example/in").contains("outbox endpoints");
    }

    @Test
    void retryKeepsAnActionOfAPausedFlowHeld() throws Exception {
        PG.execute("INSERT INTO startyhook.flow_pause (flow_name, paused_by) VALUES ('invoice-paid', 'test')");
        Cli cli = outbox("retry", Long.toString(failed1));
        assertThat(cli.out()).contains("failed -> pending");
        assertThat(PG.queryValue("SELECT next_attempt_at = 'infinity' FROM startyhook.action WHERE id = " + failed1))
                .as("held until `flows resume`").isEqualTo(true);
    }
}
