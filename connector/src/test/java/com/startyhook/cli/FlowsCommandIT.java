package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.testsupport.PostgresExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@TestMethodOrder(MethodOrderer.MethodName.class)
class FlowsCommandIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final Path EXAMPLES = Path.of("..", "rules");

    @TempDir
    static Path rules;
    StringWriter out;

    @BeforeAll
    static void copyExamples() throws Exception {
        Files.createDirectories(rules.resolve("flows"));
        Files.copy(EXAMPLES.resolve("entities.json"), rules.resolve("entities.json"));
        try (Stream<Path> flows = Files.list(EXAMPLES.resolve("flows"))) {
            for (Path f : flows.toList()) {
                Files.copy(f, rules.resolve("flows").resolve(f.getFileName()));
            }
        }
        PG.execute("INSERT INTO erp.customer (id, organization_id, name) VALUES (501, 7, 'Acme')");
    }

    @BeforeEach
    void newOutput() {
        out = new StringWriter();
    }

    int flows(String... args) {
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        ((FlowsCommand) cl.getSubcommands().get("flows").getCommand()).environment = Map.of(
                "STARTYHOOK_DEMO_SECRET", "demo-secret-value", "PGPASS_FOR_TEST", PG.password());
        String[] all = Stream.concat(Stream.of("flows", "--rules", rules.toString(), "--db", PG.jdbcUrl(),
                "--db-user", PG.user(), "--db-password-env", "PGPASS_FOR_TEST"), Stream.of(args)).toArray(String[]::new);
        return cl.execute(all);
    }

    @Test
    void a_newFlowsAreInactive() {
        assertThat(flows()).as(out.toString()).isZero();
        assertThat(out.toString()).contains("FLOW").contains("customer-blocked").contains("inactive")
                .doesNotContain(" active ").doesNotContain("demo-secret-value");
    }

    @Test
    void b_activateValidatesAndRecordsWhoAndWhen() throws Exception {
        assertThat(flows("activate", "--all", "--by", "tester")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("activated customer-blocked").contains("activated stock-changed");
        assertThat(PG.count("startyhook.flow_activation WHERE active_hash IS NOT NULL AND activated_by = 'tester'"))
                .isEqualTo(10);
        newOutput();
        assertThat(flows("list")).isZero();
        assertThat(out.toString()).doesNotContain("inactive").contains("active");
    }

    @Test
    void c_anEditedFlowShowsAsModifiedUntilActivatedAgain() throws Exception {
        Path f = rules.resolve("flows/customer-blocked.json");
        Files.writeString(f, Files.readString(f).replace("\"7\"]", "\"2\"]"));
        assertThat(flows("--json")).isZero();
        assertThat(out.toString()).containsPattern("\"name\" : \"customer-blocked\",[^}]*\"state\" : \"MODIFIED\"");
        newOutput();
        assertThat(flows("activate", "customer-blocked")).isZero();
        newOutput();
        flows("--json");
        assertThat(out.toString()).containsPattern("\"name\" : \"customer-blocked\",[^}]*\"state\" : \"ACTIVE\"");
    }

    @Test
    void d_aBrokenFlowIsRefusedWithItsReasonsAndStaysInactive() throws Exception {
        Path f = rules.resolve("flows/project-created.json");
        Files.writeString(f, Files.readString(f).replace("\"https://", "\"http://"));
        assertThat(flows("activate", "project-created")).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains("refused project-created: it has problems:")
                .contains("project-created.json").contains("/actions/0/url");
        newOutput();
        assertThat(flows("activate", "no-such-flow")).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains("refused no-such-flow: no flow of that name");
    }

    @Test
    void e_deactivate() throws Exception {
        assertThat(flows("deactivate", "stock-changed")).isZero();
        assertThat(out.toString()).contains("deactivated stock-changed");
        assertThat(PG.queryValue("SELECT deactivated_by IS NOT NULL AND active_hash IS NULL FROM "
                + "startyhook.flow_activation WHERE flow_name = 'stock-changed'")).isEqualTo(true);
    }

    @Test
    void f_fireCreatesAManualRunForOneElement() throws Exception {
        assertThat(flows("fire", "customer-blocked", "--element", "501")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("enqueued action(s)");
        assertThat(PG.queryValue("SELECT payload::jsonb -> 'context' ->> 'manual' FROM startyhook.action "
                + "WHERE flow_name = 'customer-blocked' AND element_id = '501' AND source = 'manual'")).isEqualTo("true");
        assertThat(PG.queryValue("SELECT payload::jsonb -> 'context' ->> 'organization' FROM startyhook.action "
                + "WHERE element_id = '501'")).isEqualTo("7");
        newOutput();
        assertThat(flows("fire", "customer-blocked", "--element", "999999")).isEqualTo(ExitCodes.ERROR);
        assertThat(out.toString()).contains("customer 999999 does not exist in erp.customer");
    }

    @Test
    void g_pauseHoldsAFlowsActionsAndResumeReleasesThem() throws Exception {
        // f_ enqueued an action of customer-blocked; no delivery runs here, so it is pending
        assertThat(flows("pause", "customer-blocked", "--by", "ops")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("paused customer-blocked").contains("flows resume customer-blocked");
        assertThat(PG.count("startyhook.action WHERE flow_name = 'customer-blocked' AND status = 'pending'"
                + " AND next_attempt_at <> 'infinity'")).isZero();
        newOutput();
        assertThat(flows("pause", "customer-blocked")).isZero();
        assertThat(out.toString()).contains("already paused: customer-blocked");
        newOutput();
        assertThat(flows("list")).isZero();
        assertThat(out.toString()).contains("DELIVERIES").containsPattern("customer-blocked .*paused \\(1 held\\)")
                .containsPattern("stock-changed .*not paused");
        newOutput();
        flows("--json");
        assertThat(out.toString()).containsPattern("\"paused\" : \\{\\s*\"flow\" : \"customer-blocked\"");
        newOutput();
        assertThat(flows("pause", "no-such-flow")).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains("refused no-such-flow: no flow of that name");

        newOutput();
        assertThat(flows("resume", "customer-blocked")).isZero();
        assertThat(out.toString()).contains("resumed customer-blocked: 1 held action(s) released, in order");
        assertThat(PG.count("startyhook.action WHERE next_attempt_at = 'infinity'")).isZero();
        newOutput();
        assertThat(flows("resume", "customer-blocked")).isZero();
        assertThat(out.toString()).contains("was not paused: customer-blocked");
    }
}
