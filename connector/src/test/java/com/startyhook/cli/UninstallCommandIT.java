package com.startyhook.cli;

import static com.startyhook.app.ConnectorFixture.eventFlow;
import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorFixture;
import com.startyhook.app.HotReloadITAccess;
import com.startyhook.rules.RulesLoader;
import com.startyhook.store.Activations;
import com.startyhook.testsupport.PostgresExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class UninstallCommandIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @TempDir
    Path rules;

    record Run(int exitCode, String out, String err) {}

    Run uninstall(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Map<String, String> env = new HashMap<>();
        env.put("STARTYHOOK_CAPTURE_SLOT", "sh_uninstall");
        env.put("STARTYHOOK_CAPTURE_PUBLICATION", "sh_uninstall");
        if (PG.password() != null) {
            env.put("STARTYHOOK_DB_PASSWORD", PG.password());
        }
        ((UninstallCommand) cl.getSubcommands().get("uninstall").getCommand()).environment = env;
        int code = cl.execute(Stream.concat(Stream.of("uninstall", "--db", PG.jdbcUrl(), "--db-user", PG.user()),
                Stream.of(args)).toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** Capture says RUNNING a moment before PostgreSQL shows its walsender on the slot. */
    static void awaitWalsender() {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() ->
                PG.count("pg_replication_slots WHERE slot_name = 'sh_uninstall' AND active_pid IS NOT NULL") == 1);
    }

    long slots() throws Exception {
        return PG.count("pg_replication_slots WHERE slot_name = 'sh_uninstall'");
    }

    long publications() throws Exception {
        return PG.count("pg_publication WHERE pubname = 'sh_uninstall'");
    }

    @Test
    void refusesWhileRunningThenDropsSlotPublicationAndOnRequestTheSchema() throws Exception {
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", "https://localhost:9/hook"));
        ConnectorFixture fixture = new ConnectorFixture(PG, rules, "uninstall").withHttp();
        try (Connector connector = fixture.start()) {
            new Activations(connector.database()).activate("projects", RulesLoader.withoutSecretResolution(false)
                    .load(rules).rules().flows().get("projects").contentHash(), "test");
            HotReloadITAccess.awaitCapturing(connector, "erp.project");
            awaitWalsender();

            Run refused = uninstall("--yes");
            assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(ExitCodes.PROBLEMS);
            assertThat(refused.err()).contains("A connector is still running").contains("walsender pid")
                    .contains("leader lock").contains("--force").contains("Nothing was changed");
            assertThat(slots()).isEqualTo(1);

            Run forcedDryRun = uninstall("--force");
            assertThat(forcedDryRun.exitCode()).isZero();
            assertThat(forcedDryRun.out()).contains("would terminate").contains("would drop replication slot"
                    + " sh_uninstall").contains("Nothing was changed");
            assertThat(slots()).isEqualTo(1);
        }

        Run dryRun = uninstall();
        assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).contains("would drop replication slot sh_uninstall")
                .contains("would drop publication sh_uninstall").contains("would clear the capture offsets")
                .contains("run again with --yes");
        assertThat(slots()).isEqualTo(1);
        assertThat(publications()).isEqualTo(1);

        Run done = uninstall("--yes");
        assertThat(done.exitCode()).as(done.err()).isZero();
        assertThat(done.out()).contains("dropped replication slot sh_uninstall")
                .contains("dropped publication sh_uninstall").contains("cleared capture offsets")
                .contains("schema startyhook kept");
        assertThat(slots()).isZero();
        assertThat(publications()).isZero();
        assertThat(PG.count("startyhook.capture_offset")).isZero();
        assertThat(PG.count("startyhook.flow_activation")).as("the schema stays without --drop-schema").isEqualTo(1);

        Run schema = uninstall("--drop-schema", "--yes");
        assertThat(schema.exitCode()).as(schema.err()).isZero();
        assertThat(schema.out()).contains("replication slot sh_uninstall: none").contains("dropped schema startyhook");
        assertThat(PG.count("pg_namespace WHERE nspname = 'startyhook'")).isZero();
    }

    @Test
    void forceEndsTheSessionsOfARunningConnector() throws Exception {
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "projects", eventFlow("projects", "project", "\"create\"", "https://localhost:9/hook"));
        PG.execute("CREATE SCHEMA IF NOT EXISTS startyhook");
        try (Connector connector = new ConnectorFixture(PG, rules, "uninstall").withHttp().start()) {
            new Activations(connector.database()).activate("projects", RulesLoader.withoutSecretResolution(false)
                    .load(rules).rules().flows().get("projects").contentHash(), "test");
            HotReloadITAccess.awaitCapturing(connector, "erp.project");
            awaitWalsender();
            long walsender = ((Number) PG.queryValue("SELECT active_pid FROM pg_replication_slots"
                    + " WHERE slot_name = 'sh_uninstall'")).longValue();

            Run forced = uninstall("--force", "--yes");
            assertThat(forced.exitCode()).as(forced.err()).isZero();
            assertThat(forced.out()).contains("terminated slot sh_uninstall is read by walsender pid " + walsender)
                    .contains("dropped replication slot sh_uninstall").contains("dropped publication sh_uninstall");
            assertThat(PG.count("pg_stat_activity WHERE pid = " + walsender)).isZero();
        }
    }

    @Test
    void anAdministratorsPublicationIsKeptWithTheStatementForItsOwnerAndTheRestStillHappens() throws Exception {
        PG.execute("DROP ROLE IF EXISTS sh_app; CREATE ROLE sh_app LOGIN REPLICATION PASSWORD 'pw';"
                + " CREATE PUBLICATION sh_foreign FOR TABLE erp.project");
        PG.execute("SELECT pg_create_logical_replication_slot('sh_foreign', 'pgoutput')");
        try {
            StringWriter out = new StringWriter();
            CommandLine cl = StartyHookCommand.newCommandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(out, true));
            ((UninstallCommand) cl.getSubcommands().get("uninstall").getCommand()).environment = Map.of(
                    "STARTYHOOK_CAPTURE_SLOT", "sh_foreign", "STARTYHOOK_CAPTURE_PUBLICATION", "sh_foreign",
                    "STARTYHOOK_DB_PASSWORD", "pw");
            int code = cl.execute("uninstall", "--db", PG.jdbcUrl(), "--db-user", "sh_app", "--schema", "sh_none",
                    "--yes");

            // the least-privilege set-up: the administrator's publication is theirs, not something left behind
            assertThat(code).as(out.toString()).isEqualTo(ExitCodes.OK);
            assertThat(out.toString()).contains("dropped replication slot sh_foreign")
                    .contains("kept publication sh_foreign: its owner " + PG.user() + " manages it")
                    .contains("DROP PUBLICATION \"sh_foreign\"; as " + PG.user())
                    .contains("Uninstalled (schema");
            assertThat(PG.count("pg_replication_slots WHERE slot_name = 'sh_foreign'")).isZero();
            assertThat(PG.count("pg_publication WHERE pubname = 'sh_foreign'")).isEqualTo(1);
        } finally {
            PG.execute("DROP PUBLICATION IF EXISTS sh_foreign; DROP ROLE IF EXISTS sh_app");
        }
    }
}
