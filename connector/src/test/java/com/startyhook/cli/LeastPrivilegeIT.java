package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorFixture;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, least privilege: an administrator runs what {@code setup-sql} prints (the role with only
 * LOGIN REPLICATION, its SELECT grants, the publication, the replica identities) and gives the role
 * a database of its own; the connector, with that role and {@code state.url}, delivers every kind of
 * event and a condition flow, and leaves nothing in the ERP database.
 */
class LeastPrivilegeIT {
    @RegisterExtension
    static final PostgresExtension ERP = new PostgresExtension().withDemoSchema();
    /** The connector's own database, on the same server. */
    @RegisterExtension
    static final PostgresExtension STATE = new PostgresExtension();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    /** Roles are cluster-wide: one per run. */
    static final String ROLE = "sh_least_" + ProcessHandle.current().pid();
    static final String PASSWORD = "least-privilege-password";
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterAll
    static void dropRole() throws Exception {
        if (ERP.count("pg_roles WHERE rolname = '" + ROLE + "'") == 0) {
            return;
        }
        // the databases go with the extensions; what the role owns there first
        ERP.execute("ALTER DATABASE " + STATE.databaseName() + " OWNER TO " + ERP.user());
        STATE.execute("DROP OWNED BY " + ROLE);
        ERP.execute("DROP OWNED BY " + ROLE);
        ERP.execute("DROP ROLE IF EXISTS " + ROLE);
    }

    @Test
    void aRoleWithOnlyLoginReplicationAndSelectDeliversEveryEventWithItsStateInAnotherDatabase() throws Exception {
        copyShippedRules();
        // the administrator: what setup-sql prints for these rules, the role's database, its password
        Cli setup = Cli.run("setup-sql", "--rules", rules.toString(), "--role", ROLE, "--publication", "sh_least",
                "--erp-database", ERP.databaseName());
        assertThat(setup.exitCode()).as(setup.err()).isZero();
        assertThat(setup.out()).contains("CREATE ROLE " + ROLE + " WITH LOGIN REPLICATION;")
                .contains("CREATE PUBLICATION sh_least FOR TABLE erp.customer, erp.document, erp.document_line, erp.project;")
                .contains("GRANT SELECT ON erp.stock_movement TO " + ROLE);
        String erpPart = setup.out().lines().filter(l -> !l.startsWith("CREATE DATABASE"))
                .collect(Collectors.joining("\n"));
        ERP.execute(erpPart);
        ERP.execute("ALTER ROLE " + ROLE + " PASSWORD '" + PASSWORD + "'");
        STATE.execute("ALTER DATABASE " + STATE.databaseName() + " OWNER TO " + ROLE);
        assertThat(ERP.queryValue("SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles"
                + " WHERE rolname = '" + ROLE + "'")).isEqualTo(false);
        // a table of a later flow that the administrator has not published yet
        ERP.execute("CREATE TABLE erp.ticket (id bigserial PRIMARY KEY, organization_id bigint, subject text,"
                + " created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());"
                + " GRANT SELECT ON erp.ticket TO " + ROLE);
        addTicketEntityAndFlow();
        // a product below its reorder level before start: the condition flow fires on its first scan
        ERP.execute("INSERT INTO erp.product (organization_id, sku, name, reorder_level) VALUES (1, 'LP-1', 'low', 5)");

        ConnectorFixture fixture = new ConnectorFixture(ERP, rules, "least")
                .set("db.user", ROLE).env("STARTYHOOK_DB_PASSWORD", PASSWORD)
                .set("state.url", STATE.jdbcUrl())
                .set("capture.publication", "sh_least").set("capture.heartbeat-interval", "1s")
                .env("STARTYHOOK_DEMO_SECRET", "least-privilege-webhook-secret")
                .trust(receiver).allowPrivateHosts("localhost").withHttp();
        Map<String, String> cliEnv = Map.of("STARTYHOOK_DB_PASSWORD", PASSWORD, "STARTYHOOK_DEMO_SECRET",
                "least-privilege-webhook-secret", "STARTYHOOK_DELIVERY_ALLOWED_PRIVATE_HOSTS", "localhost");
        Cli activate = Cli.run(cliEnv, "flows", "--rules", rules.toString(), "--db", ERP.jdbcUrl(), "--db-user", ROLE,
                "--state", STATE.jdbcUrl(), "activate", "--all");
        assertThat(activate.exitCode()).as(activate.out() + activate.err()).isZero();

        try (Connector connector = fixture.start()) {
            await().atMost(PATIENCE).until(connector::isLeader);
            await().atMost(PATIENCE).until(() -> {
                JsonNode capture = health(connector).path("capture");
                return "RUNNING".equals(capture.path("state").asText()) && capture.path("tables").size() == 4;
            });
            // the flow whose table is not in the administrator's publication stays inactive, with the statement
            JsonNode refused = health(connector).path("capture").path("refusedFlows");
            assertThat(refused.path("ticket-created").asText())
                    .contains("table erp.ticket is not in publication sh_least")
                    .contains("ALTER PUBLICATION sh_least ADD TABLE erp.ticket;");

            // one transaction each: changes within one transaction fold into one event per element
            for (String change : new String[] {
                    "INSERT INTO erp.project (organization_id, code, name) VALUES (1, 'LP', 'least privilege');",
                    "INSERT INTO erp.customer (id, organization_id, name, email) VALUES (9001, 1, 'Least', 'a@b.c');",
                    "UPDATE erp.customer SET email = 'new@b.c' WHERE id = 9001;",
                    "UPDATE erp.customer SET status = 'blocked' WHERE id = 9001;",
                    "UPDATE erp.project SET status = 'active' WHERE code = 'LP';",
                    "INSERT INTO erp.document (organization_id, doc_type, status, total) VALUES (1, 'invoice', 'draft', 5000);",
                    "UPDATE erp.document SET status = 'confirmed' WHERE total = 5000;",
                    "INSERT INTO erp.document_line (document_id, qty, unit_price) SELECT id, 1, 5000 FROM erp.document"
                            + " WHERE total = 5000;",
                    "INSERT INTO erp.ticket (organization_id, subject) VALUES (1, 'not published');",
            }) {
                ERP.execute(change);
            }
            Set<String> expected = Set.of("/hooks/project-created", "/hooks/customer-details-updated",
                    "/hooks/invoice-line-added",
                    "/hooks/customer-blocked", "/hooks/project-status-changed", "/hooks/invoice-confirmed",
                    "/hooks/stock-below-reorder-level");
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(paths()).as("received; the outbox: %s",
                    STATE.queryValue("SELECT string_agg(flow_name || ':' || status, ', ') FROM startyhook.action"))
                    .containsAll(expected));
            for (HttpsReceiver.Request r : receiver.receiver().requests()) {
                assertThat(r.header("X-StartyHook-Signature")).matches("[0-9a-f]{64}");
            }
            assertThat(paths()).doesNotContain("/hooks/ticket-created");
        }
        // a backfill across the two databases: rows read from the ERP database as the role, actions in the state one
        long projects = ERP.count("erp.project");
        Cli backfill = Cli.run(cliEnv, "flows", "--rules", rules.toString(), "--db", ERP.jdbcUrl(), "--db-user", ROLE,
                "--state", STATE.jdbcUrl(), "backfill", "project-created", "--rate", "1000/s");
        assertThat(backfill.exitCode()).as(backfill.out() + backfill.err()).isZero();
        assertThat(STATE.count("startyhook.action WHERE flow_name = 'project-created' AND source = 'backfill'"))
                .isEqualTo(projects).isPositive();
        // a manual run across the two databases: the row read from the ERP database, the action in the state one
        Cli fire = Cli.run(cliEnv, "flows", "--rules", rules.toString(), "--db", ERP.jdbcUrl(), "--db-user", ROLE,
                "--state", STATE.jdbcUrl(), "fire", "customer-blocked", "--element", "9001");
        assertThat(fire.exitCode()).as(fire.out() + fire.err()).isZero();
        assertThat(STATE.count("startyhook.action WHERE flow_name = 'customer-blocked' AND source = 'manual'"))
                .isEqualTo(1);
        // the ERP database holds nothing of the connector's: no schema, no table; its state is in its own database
        assertThat(ERP.count("pg_namespace WHERE nspname = 'startyhook'")).isZero();
        assertThat(ERP.count("pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = '" + ROLE + "'"))
                .isZero();
        assertThat(STATE.count("startyhook.action WHERE status = 'delivered'")).isGreaterThanOrEqualTo(7);
        assertThat(STATE.count("startyhook.capture_offset")).isEqualTo(1);
        assertThat(ERP.count("pg_publication WHERE pubname = 'sh_least'")).isEqualTo(1);
        // validate --db, as the role, says the same of the missing table
        Cli validate = Cli.run(cliEnv, "validate", "--rules", rules.toString(), "--db", ERP.jdbcUrl(), "--db-user",
                ROLE, "--publication", "sh_least");
        assertThat(validate.exitCode()).isEqualTo(1);
        assertThat(validate.out()).contains("ticket-created.json: /entity: table erp.ticket is not in publication"
                + " sh_least").contains("ALTER PUBLICATION sh_least ADD TABLE erp.ticket;");

        // uninstall with both layouts: the slot in the ERP database, the schema in the state one; the
        // administrator's publication is kept, and said to be theirs
        Cli uninstall = Cli.run(cliEnv, "uninstall", "--db", ERP.jdbcUrl(), "--db-user", ROLE, "--state",
                STATE.jdbcUrl(), "--slot", fixture.slot(), "--publication", "sh_least", "--drop-schema", "--yes");
        assertThat(uninstall.exitCode()).as(uninstall.out() + uninstall.err()).isZero();
        assertThat(uninstall.out()).contains("dropped replication slot " + fixture.slot())
                .contains("kept publication sh_least").contains("dropped schema startyhook in the state database");
        assertThat(ERP.count("pg_replication_slots WHERE slot_name = '" + fixture.slot() + "'")).isZero();
        assertThat(STATE.count("pg_namespace WHERE nspname = 'startyhook'")).isZero();
    }

    private Set<String> paths() {
        return receiver.receiver().requests().stream().map(HttpsReceiver.Request::path)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static JsonNode health(Connector c) throws Exception {
        return JSON.readTree(ConnectorFixture.get(c, "/health").body()).path("details");
    }

    /** The shipped rules, sending to the test receiver; condition flows scanned every second. */
    private void copyShippedRules() throws Exception {
        Path shipped = Path.of("..", "rules");
        Files.createDirectories(rules.resolve("flows"));
        Files.copy(shipped.resolve("entities.json"), rules.resolve("entities.json"));
        try (Stream<Path> flows = Files.list(shipped.resolve("flows"))) {
            for (Path f : flows.toList()) {
                String json = Files.readString(f).replace("https://localhost:8443/", receiver.url("/"))
                        .replace("\"30s\"", "\"1s\"").replace("\"PT10S\"", "\"1s\"");
                Files.writeString(rules.resolve("flows").resolve(f.getFileName()), json);
            }
        }
    }

    private void addTicketEntityAndFlow() throws Exception {
        Path entities = rules.resolve("entities.json");
        ObjectMapper m = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) m
                .readTree(entities.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) root.path("entities")).set("ticket", m.readTree(
                "{\"table\": \"erp.ticket\", \"key\": [\"id\"], \"organization\": \"organization_id\","
                        + " \"created\": \"created_at\", \"modified\": \"updated_at\"}"));
        m.writerWithDefaultPrettyPrinter().writeValue(entities.toFile(), root);
        Files.writeString(rules.resolve("flows/ticket-created.json"), """
                {
                  "name": "ticket-created",
                  "description": "A flow on a table the administrator has not published yet.",
                  "entity": "ticket",
                  "trigger": {"type": "event", "events": ["create"]},
                  "actions": [{"type": "webhook", "url": "%s", "secret": "env:STARTYHOOK_DEMO_SECRET"}]
                }
                """.formatted(receiver.url("/hooks/ticket-created")));
    }
}
