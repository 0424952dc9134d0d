package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.testsupport.PostgresExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final Path EXAMPLES = Path.of("..", "rules");
    static final String ACTION = "[{\"type\": \"webhook\", \"url\": \"https://localhost:8443/hooks/x\", \"secret\": \"env:STARTYHOOK_DEMO_SECRET\"}]";

    @TempDir
    Path rules;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeAll
    static void ticketTableWithoutReplicaIdentityFull() throws Exception {
        PG.execute("CREATE TABLE erp.ticket (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'new')");
    }

    @BeforeEach
    void copyExamples() throws Exception {
        Files.createDirectories(rules.resolve("flows"));
        Files.copy(EXAMPLES.resolve("entities.json"), rules.resolve("entities.json"));
        try (Stream<Path> flows = Files.list(EXAMPLES.resolve("flows"))) {
            for (Path f : flows.toList()) {
                Files.copy(f, rules.resolve("flows").resolve(f.getFileName()));
            }
        }
    }

    int validate(String... extra) {
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Map<String, String> env = new HashMap<>();
        env.put("STARTYHOOK_DEMO_SECRET", "demo-secret-value");
        env.put("PG_TEST_PASSWORD", PG.password());
        ((ValidateCommand) cl.getSubcommands().get("validate").getCommand()).environment = env;
        String[] args = Stream.concat(Stream.of("validate", "--rules", rules.toString(), "--db", PG.jdbcUrl(),
                "--db-user", PG.user(), "--db-password-env", "PG_TEST_PASSWORD"), Stream.of(extra)).toArray(String[]::new);
        return cl.execute(args);
    }

    void edit(String file, String from, String to) throws Exception {
        Path f = rules.resolve(file);
        String before = Files.readString(f);
        assertThat(before).contains(from);
        Files.writeString(f, before.replace(from, to));
    }

    void addEntity(String name, String definition) throws Exception {
        edit("entities.json", "\"entities\": {", "\"entities\": {\"" + name + "\": " + definition + ",");
    }

    void addFlow(String name, String entity, String trigger) throws Exception {
        Files.writeString(rules.resolve("flows").resolve(name + ".json"), "{\"name\": \"" + name + "\", \"entity\": \"" + entity
                + "\", \"trigger\": " + trigger + ", \"actions\": " + ACTION + "}");
    }

    @Test
    void theExampleRulesPassAgainstTheDemoSchema() {
        assertThat(validate()).as(out + "" + err).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).isEqualTo(String.format("10 flows valid, 0 problems%n"));
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void anUnknownColumnIsNamedWithACloseMatch() throws Exception {
        edit("flows/invoice-confirmed.json", "\"property\": \"total\"", "\"property\": \"totl\"");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains(rules.resolve("flows/invoice-confirmed.json")
                + ": /criteria/1/property: column \"totl\" does not exist in erp.document — did you mean \"total\"? (columns: id, organization_id,")
                .contains("9 flows valid, 1 problem");
    }

    @Test
    void anUnknownTableOrEntityColumnIsReportedInEntitiesJson() throws Exception {
        edit("entities.json", "\"table\": \"erp.project\"", "\"table\": \"erp.projects\"");
        edit("entities.json", "\"created\": \"created_at\",\n      \"modified\": \"updated_at\",\n      \"confirm\"",
                "\"created\": \"created_on\",\n      \"modified\": \"updated_at\",\n      \"confirm\"");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        Path entities = rules.resolve("entities.json");
        assertThat(out.toString())
                .contains(entities + ": /entities/project/table: table erp.projects does not exist — did you mean \"erp.project\"?")
                .contains(entities + ": /entities/document/created: column \"created_on\" does not exist in erp.document")
                .contains(rules.resolve("flows/project-created.json") + ": /entity: entity \"project\" does not match the database")
                .contains("6 flows valid, 6 problems");
    }

    @Test
    void everyHopOfARelationIsCheckedAndWhatIsMissingNamedWithTheFix() throws Exception {
        PG.execute("CREATE TABLE IF NOT EXISTS erp.ext_code (code text, label text);"
                + " CREATE TABLE IF NOT EXISTS erp.ext_note (id bigserial PRIMARY KEY, doc_ref text, code text)");
        addEntity("note", """
                {"table": "erp.ext_note", "key": ["id"], "relations": {
                   "doc": {"column": "doc_ref", "table": "erp.document", "key": "id"},
                   "code": {"column": "code", "table": "erp.ext_code", "key": "code"},
                   "gone": {"column": "nope", "table": "erp.nothing", "key": "id"}}}""");
        edit("flows/invoice-line-added.json", "\"customerName\": \"document.customer.name\"",
                "\"customerName\": \"document.customer.nme\"");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        Path entities = rules.resolve("entities.json");
        assertThat(out.toString())
                .contains(entities + ": /entities/note/relations/doc/key: entity \"note\", relation doc (hop 1,"
                        + " erp.ext_note.doc_ref -> erp.document.id): the foreign key is text but the key is bigint")
                .contains(entities + ": /entities/note/relations/code/key: entity \"note\", relation code (hop 1,"
                        + " erp.ext_note.code -> erp.ext_code.code): erp.ext_code.code has no index, so every lookup would"
                        + " read the whole table — run: CREATE INDEX ON erp.ext_code (code);")
                .contains(entities + ": /entities/note/relations/gone/column: entity \"note\", relation gone (hop 1,"
                        + " erp.ext_note.nope -> erp.nothing.id): column \"nope\" does not exist in erp.ext_note")
                .contains(entities + ": /entities/note/relations/gone/table:")
                .contains("table erp.nothing does not exist")
                .contains(rules.resolve("flows/invoice-line-added.json") + ": /context/customerName: the related value"
                        + " document.customer.nme: column \"nme\" does not exist in erp.customer — did you mean \"name\"?");
    }

    @Test
    void aMissingReplicaIdentityFullPrintsTheAlterTableToRun() throws Exception {
        addEntity("ticket", "{\"table\": \"erp.ticket\", \"key\": [\"id\"]}");
        addFlow("ticket-status", "ticket", "{\"type\": \"event\", \"events\": [\"change\"], \"property\": \"status\"}");
        addFlow("ticket-created", "ticket", "{\"type\": \"event\", \"events\": [\"create\"]}");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains(rules.resolve("flows/ticket-status.json") + ": /trigger/events: the flow needs the old values "
                + "of erp.ticket rows (change), but the table's REPLICA IDENTITY is DEFAULT — run: ALTER TABLE erp.ticket REPLICA IDENTITY FULL;")
                .contains("11 flows valid, 1 problem");
        assertThat(PG.queryValue("SELECT relreplident::text FROM pg_class WHERE oid = 'erp.ticket'::regclass"))
                .as("validate never modifies the database").isEqualTo("d");
    }

    @Test
    void aTableWithoutPrimaryKeyCannotBePublished() throws Exception {
        addEntity("session", "{\"table\": \"erp.session_cache\", \"key\": [\"session_key\"]}");
        addFlow("session-created", "session", "{\"type\": \"event\", \"events\": [\"create\"]}");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains(rules.resolve("flows/session-created.json") + ": /entity: erp.session_cache has no primary key "
                + "and REPLICA IDENTITY DEFAULT: once published, PostgreSQL would refuse its updates and deletes");
    }

    @Test
    void brokenConditionSqlReportsTheDatabasesMessage() throws Exception {
        edit("flows/stock-changed.json", "sum(m.qty) AS stock", "sum(m.qtty) AS stock");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains(rules.resolve("flows/stock-changed.json")
                + ": /trigger/query: the database refuses the query: ERROR: column m.qtty does not exist")
                .contains("— fix the SQL");
    }

    @Test
    void aConditionQueryWithoutIdIsRefused() throws Exception {
        edit("flows/stock-changed.json", "SELECT p.id AS id,", "SELECT p.id AS product_id,");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains(rules.resolve("flows/stock-changed.json")
                + ": /trigger/query: the query returns no \"id\" column (it returns product_id, organization, stock)"
                + " — name the element's key column id");
    }

    @Test
    void sinceIsATimestampParameterAndCriteriaOfConditionsUseTheQueryColumns() throws Exception {
        addFlow("recent-movements", "product", "{\"type\": \"condition\", \"interval\": \"1m\", \"query\": "
                + "\"SELECT product_id AS id, max(created_at) AS last FROM erp.stock_movement WHERE created_at > :since GROUP BY 1\"}");
        assertThat(validate()).as(out.toString()).isEqualTo(ExitCodes.OK);
        edit("flows/recent-movements.json", "\"actions\"", "\"criteria\": [{\"property\": \"stock\", \"op\": \"lt\", \"value\": 0}], \"actions\"");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains("/criteria/0/property: the query returns no column \"stock\"");
    }

    @Test
    void conditionQueriesAreDescribedNotRun() throws Exception {
        // run, this would exceed the 5 s statement timeout of the check; described, it passes at once
        addFlow("sleepy", "product", "{\"type\": \"condition\", \"interval\": \"1m\", \"query\": "
                + "\"SELECT 1 AS id FROM pg_sleep(30)\"}");
        assertThat(validate()).as(out.toString()).isEqualTo(ExitCodes.OK);
    }

    @Test
    void staticProblemsAndInsecureUrlsNeedTheExplicitOption() throws Exception {
        edit("flows/project-created.json", "https://localhost:8443", "http://localhost:8080");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains(rules.resolve("flows/project-created.json") + ": /actions/0/url: insecure URL");
        out.getBuffer().setLength(0);
        assertThat(validate("--allow-insecure-urls")).isEqualTo(ExitCodes.OK);
    }

    @Test
    void privateAndMetadataAddressesAreRefusedUnlessAllowed() throws Exception {
        edit("flows/project-created.json", "https://localhost:8443/", "https://169.254.169.254/");
        edit("flows/invoice-confirmed.json", "https://localhost:8443/", "https://10.0.0.1/");
        assertThat(validate()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString())
                .contains(rules.resolve("flows/project-created.json") + ": /actions/0/url: URL \"https://169.254.169.254/")
                .contains("169.254.169.254 (link-local 169.254.0.0/16, cloud metadata)")
                .contains(rules.resolve("flows/invoice-confirmed.json") + ": /actions/0/url: URL \"https://10.0.0.1/")
                .contains("10.0.0.1 (private, RFC 1918)")
                .contains("delivery.allowed-private-hosts");
        out.getBuffer().setLength(0);
        assertThat(validate("--allow-private-hosts", "10.0.0.0/8")).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(out.toString()).contains("169.254.169.254").doesNotContain("10.0.0.1 (private");
        out.getBuffer().setLength(0);
        assertThat(validate("--allow-private-hosts", "10.0.0.0/8,169.254.169.254")).as(out.toString())
                .isEqualTo(ExitCodes.OK);
    }

    /** validate as a CI job runs it: no database, nothing exported. */
    Cli offline(String... extra) {
        return Cli.run(Map.of(), Stream.concat(Stream.of("validate", "--rules", rules.toString()), Stream.of(extra))
                .toArray(String[]::new));
    }

    @Test
    void withoutADatabaseTheExamplesPassWithNothingExportedAndSecretsAreWarnings() {
        Cli r = offline();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("warning: " + rules.resolve("flows/invoice-confirmed.json") + ": /actions/0/secret: secret "
                        + "env:STARTYHOOK_DEMO_SECRET does not resolve")
                .contains("— check it where the connector runs: validate --check-secrets (or --db)")
                .endsWith(String.format("10 flows valid, 0 problems, 10 warnings (not checked against a database: pass --db)%n"));
        assertThat(r.err()).isEmpty();
    }

    @Test
    void withoutADatabaseABrokenFileStillFails() throws Exception {
        edit("flows/invoice-confirmed.json", "\"mode\"", "\"critera\": [], \"mode\"");
        Cli r = offline();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains(rules.resolve("flows/invoice-confirmed.json") + ": /critera: unknown field \"critera\"")
                .contains("9 flows valid, 1 problem, 10 warnings");
    }

    @Test
    void checkSecretsOrADatabaseMakeAnUnresolvableSecretAProblemAgain() {
        Cli r = offline("--check-secrets");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains(rules.resolve("flows/invoice-confirmed.json") + ": /actions/0/secret: secret "
                + "env:STARTYHOOK_DEMO_SECRET does not resolve").contains("0 flows valid, 10 problems");

        r = Cli.run(Map.of("PG_TEST_PASSWORD", PG.password()), "validate", "--rules", rules.toString(), "--db", PG.jdbcUrl(),
                "--db-user", PG.user(), "--db-password-env", "PG_TEST_PASSWORD");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains("0 flows valid, 10 problems");
    }

    @Test
    void aSecretThatCanNeverWorkIsAProblemOfflineToo() throws Exception {
        edit("flows/invoice-confirmed.json", "env:STARTYHOOK_DEMO_SECRET", "file:/dev/zero");
        Cli r = offline();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains(rules.resolve("flows/invoice-confirmed.json")
                + ": /actions/0/secret: secret file:/dev/zero does not resolve: it is not a regular file");
    }

    @Test
    void anUnreachableDatabaseIsAnErrorNotAProblemList() {
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        ((ValidateCommand) cl.getSubcommands().get("validate").getCommand()).environment =
                Map.of("STARTYHOOK_DEMO_SECRET", "x", "STARTYHOOK_DB_URL", "jdbc:postgresql://127.0.0.1:1/nothing");
        assertThat(cl.execute("validate", "--rules", rules.toString())).isEqualTo(ExitCodes.ERROR);
        assertThat(err.toString()).contains("error: cannot connect to jdbc:postgresql://127.0.0.1:1/nothing");
    }
}
