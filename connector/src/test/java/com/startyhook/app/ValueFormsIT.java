package com.startyhook.app;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, point 3, "Exact values": one column of each type of the table in docs/rules.md ("Value
 * forms"), changed by a real UPDATE through the WAL, delivered to a real HTTPS receiver; each value's
 * JSON text is asserted exactly, before and after. A condition flow over the same table sends the very
 * same forms, and criteria compare those values (a numeric 1.50 equals 1.5, a real 0.1 equals 0.1, a
 * timestamp read in the source time zone).
 */
class ValueFormsIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A column: its type, the inserted and the updated value (SQL), and their exact JSON texts. */
    private record Column(String name, String type, String before, String after, String beforeJson, String afterJson) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("c_bool", "boolean", "false", "true", "false", "true"),
            new Column("c_int2", "smallint", "1", "-32768", "1", "-32768"),
            new Column("c_int4", "integer", "2", "2147483647", "2", "2147483647"),
            new Column("c_int8", "bigint", "3", "9223372036854775807", "3", "9223372036854775807"),
            new Column("c_numeric", "numeric(10,2)", "2", "1.5", "2.00", "1.50"),
            new Column("c_numeric_free", "numeric", "0.00000001", "123.4500", "0.00000001", "123.4500"),
            new Column("c_numeric_nan", "numeric", "1", "'NaN'", "1", "\"NaN\""),
            new Column("c_real", "real", "1234567", "0.1", "1.234567e+06", "0.1"),
            new Column("c_double", "double precision", "0.1", "1e300", "0.1", "1e+300"),
            new Column("c_real_special", "real", "'Infinity'", "'NaN'", "\"Infinity\"", "\"NaN\""),
            new Column("c_text", "text", "'plain'", "'h\u00e9llo \"q\"'", "\"plain\"", "\"h\u00e9llo \\\"q\\\"\""),
            new Column("c_varchar", "varchar(20)", "'v1'", "'v2'", "\"v1\"", "\"v2\""),
            new Column("c_char", "char(3)", "'ab'", "'xyz'", "\"ab \"", "\"xyz\""),
            new Column("c_timestamp", "timestamp", "'2026-07-01 10:15:00.5'", "'2026-11-22 10:15:00'",
                    "\"2026-07-01T10:15:00.5+02:00\"", "\"2026-11-22T10:15:00+01:00\""),
            new Column("c_timestamptz", "timestamptz", "'2026-11-22 10:15:00+01'", "'2026-11-22 10:15:00.123456+00'",
                    "\"2026-11-22T09:15:00Z\"", "\"2026-11-22T10:15:00.123456Z\""),
            new Column("c_date", "date", "'2026-11-22'", "'2027-01-01'", "\"2026-11-22\"", "\"2027-01-01\""),
            new Column("c_time", "time", "'08:00'", "'23:59:59.999999'", "\"08:00:00\"", "\"23:59:59.999999\""),
            new Column("c_timetz", "timetz", "'10:15:00+01'", "'10:15:00.5-03:30'", "\"09:15:00Z\"", "\"13:45:00.5Z\""),
            new Column("c_interval", "interval", "'1 year 2 mons 3 days 04:05:06.5'", "'36 hours'",
                    "\"P1Y2M3DT4H5M6.5S\"", "\"P0Y0M0DT36H0M0S\""),
            new Column("c_uuid", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'",
                    "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"", "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12\""),
            new Column("c_bytea", "bytea", "'\\xdeadbeef'", "'\\x00ff'", "\"3q2+7w==\"", "\"AP8=\""),
            new Column("c_json", "json", "'{\"a\": 1, \"b\": [1, 2.50]}'", "'[1, \"x\", null]'",
                    "{\"a\": 1, \"b\": [1, 2.50]}", "[1, \"x\", null]"),
            new Column("c_jsonb", "jsonb", "'{\"b\": 2.50, \"a\": \"x\"}'", "'{\"n\": null}'",
                    "{\"a\": \"x\", \"b\": 2.50}", "{\"n\": null}"),
            new Column("c_int_array", "integer[]", "'{1,2,3}'", "'{}'", "[1,2,3]", "[]"),
            new Column("c_text_array", "text[]", "'{a,NULL,\"b c\"}'", "'{z}'", "[\"a\",null,\"b c\"]", "[\"z\"]"),
            new Column("c_numeric_array", "numeric[]", "'{1.50,2}'", "'{0.001}'", "[1.50,2]", "[0.001]"),
            new Column("c_real_array", "real[]", "'{0.1,1.5}'", "'{2.5}'", "[0.1,1.5]", "[2.5]"),
            new Column("c_enum", "erp.vt_mood", "'happy'", "'sad'", "\"happy\"", "\"sad\""),
            new Column("c_domain_price", "erp.vt_price", "3.1", "4", "3.10", "4.00"),
            new Column("c_domain_code", "erp.vt_code", "'X1'", "'Y2'", "\"X1\"", "\"Y2\""),
            new Column("c_money", "money", "12.5", "1234.56", "12.50", "1234.56"),
            new Column("c_inet", "inet", "'192.168.0.1'", "'10.0.0.0/8'", "\"192.168.0.1\"", "\"10.0.0.0/8\""),
            new Column("c_hstore", "hstore", "'\"a\"=>\"1\"'", "'\"b\"=>NULL, \"a\"=>\"x\"'",
                    "{\"a\":\"1\"}", "{\"a\":\"x\",\"b\":null}"),
            new Column("c_pg_lsn", "pg_lsn", "'0/16B3748'", "'1/0'", "\"0/16B3748\"", "\"1/0\""),
            // a type Debezium does not know: its text form
            new Column("c_composite", "erp.vt_pair", "'(1,x)'", "'(2,\"y z\")'", "\"(1,x)\"", "\"(2,\\\"y z\\\")\""),
            new Column("c_point", "point", "'(1,2)'", "'(0.1,-1.5)'", "\"(1,2)\"", "\"(0.1,-1.5)\""));

    @Test
    void eachTypeReachesTheReceiverInItsDocumentedFormFromTheWalAndFromAConditionScan() throws Exception {
        createTable();
        writeRules();
        ConnectorFixture fixture = new ConnectorFixture(PG, rules, "valueforms").trust(receiver)
                .allowPrivateHosts("localhost").withHttp().set("capture.source-time-zone", "Europe/Paris");
        try (Connector connector = fixture.start()) {
            Activations activations = new Activations(connector.database());
            var loaded = RulesLoader.withoutSecretResolution(false).load(rules).rules();
            for (var flow : loaded.flows().values()) {
                if (!flow.name().equals("vt-condition")) {
                    activations.activate(flow.name(), flow.contentHash(), "test");
                }
            }
            HotReloadIT.awaitCapturing(connector, "erp.value_types");

            PG.execute("INSERT INTO erp.value_types VALUES (1, 1, " + values(Column::before) + ")");
            PG.execute("UPDATE erp.value_types SET " + assignments() + " WHERE id = 1");

            // every column's change: previous and value exactly as documented
            Map<String, String> events = awaitBodies(COLUMNS.size() + 1, p -> p.startsWith("/vt/"));
            List<String> problems = new ArrayList<>();
            for (Column c : COLUMNS) {
                String body = events.get("/vt/" + c.name());
                String expected = "\"property\":\"" + c.name() + "\",\"previous\":" + c.beforeJson() + ",\"value\":"
                        + c.afterJson() + "}";
                if (body == null || !body.contains(expected)) {
                    problems.add(c.name() + " (" + c.type() + "): expected " + expected + " in " + body);
                }
            }
            assertThat(problems).as("JSON forms of the event payloads").isEmpty();
            for (String body : events.values()) {
                assertThat(JSON.readTree(body).isObject()).as("valid JSON: " + body).isTrue();
            }

            // criteria see the same values: numeric 1.50 = 1.5, real 0.1 = 0.1, timestamps in the source zone
            assertThat(events).containsKey("/vt/criteria");
            assertThat(JSON.readTree(events.get("/vt/criteria")).path("event").asText()).isEqualTo("update");
            // the update's actions are written in one outbox transaction: none for the noisy criterion
            assertThat(PG.count("startyhook.action WHERE flow_name = 'vt-criteria'")).isEqualTo(1);
            assertThat(PG.count("startyhook.action WHERE flow_name = 'vt-noise'"))
                    .as("0.10000000149011612 is not the real 0.1").isZero();

            // a condition flow over the same table: the same forms for the same columns
            activations.activate("vt-condition", loaded.flows().get("vt-condition").contentHash(), "test");
            Map<String, String> conditions = awaitBodies(1, p -> p.equals("/vt-condition"));
            String body = conditions.get("/vt-condition");
            List<String> conditionProblems = new ArrayList<>();
            for (Column c : COLUMNS) {
                String expected = "\"" + c.name() + "\":" + c.afterJson();
                if (!body.contains(expected + ",") && !body.contains(expected + "}")) {
                    conditionProblems.add(c.name() + " (" + c.type() + "): expected " + expected);
                }
            }
            assertThat(conditionProblems).as("JSON forms of the condition payload " + body).isEmpty();
            JsonNode context = JSON.readTree(body).path("context");
            for (Column c : COLUMNS) {
                JsonNode fromWal = JSON.readTree(events.get("/vt/" + c.name())).path("context").path("value");
                assertThat(context.path(c.name())).as(c.name() + " from the WAL and from a scan").isEqualTo(fromWal);
            }
        }
    }

    private static void createTable() throws Exception {
        PG.execute("CREATE EXTENSION IF NOT EXISTS hstore");
        PG.execute("CREATE TYPE erp.vt_mood AS ENUM ('happy', 'sad')");
        PG.execute("CREATE DOMAIN erp.vt_price AS numeric(10,2) CHECK (VALUE >= 0)");
        PG.execute("CREATE DOMAIN erp.vt_code AS text");
        PG.execute("CREATE TYPE erp.vt_pair AS (a integer, b text)");
        StringBuilder ddl = new StringBuilder("CREATE TABLE erp.value_types (id integer PRIMARY KEY, organization_id integer");
        for (Column c : COLUMNS) {
            ddl.append(", ").append(c.name()).append(' ').append(c.type());
        }
        PG.execute(ddl.append(")").toString());
        PG.execute("ALTER TABLE erp.value_types REPLICA IDENTITY FULL");
    }

    private void writeRules() throws Exception {
        Files.createDirectories(rules.resolve("flows"));
        Files.writeString(rules.resolve("entities.json"), """
                {"entities": {"value_types": {"table": "erp.value_types", "key": ["id"], "organization": "organization_id"}}}
                """);
        for (Column c : COLUMNS) {
            writeFlow(rules, "vt-" + c.name(), flow("vt-" + c.name(),
                    "{\"type\": \"event\", \"events\": [\"change\"], \"property\": \"" + c.name() + "\"}", "[]",
                    "/vt/" + c.name()));
        }
        writeFlow(rules, "vt-criteria", flow("vt-criteria", "{\"type\": \"event\", \"events\": [\"update\"]}", """
                [{"property": "c_numeric", "op": "eq", "value": 1.5},
                 {"property": "c_numeric_free", "op": "eq", "value": 123.45},
                 {"property": "c_real", "op": "eq", "value": 0.1},
                 {"property": "c_double", "op": "gt", "value": 1e39},
                 {"property": "c_timestamp", "op": "eq", "value": "2026-11-22T10:15:00+01:00"},
                 {"property": "c_timestamp", "op": "eq", "value": "2026-11-22T10:15:00"},
                 {"property": "c_timestamptz", "op": "gt", "value": "2026-11-22T11:15:00+01:00"},
                 {"property": "c_date", "op": "eq", "value": "2027-01-01"},
                 {"property": "c_time", "op": "gt", "value": "23:59:59"},
                 {"property": "c_enum", "op": "eq", "value": "sad"},
                 {"property": "c_domain_price", "op": "eq", "value": 4},
                 {"property": "c_bool", "op": "eq", "value": true}]""", "/vt/criteria"));
        writeFlow(rules, "vt-noise", flow("vt-noise", "{\"type\": \"event\", \"events\": [\"update\"]}",
                "[{\"property\": \"c_real\", \"op\": \"eq\", \"value\": 0.10000000149011612}]", "/vt-noise"));
        StringBuilder query = new StringBuilder("SELECT id");
        for (Column c : COLUMNS) {
            query.append(", ").append(c.name());
        }
        query.append(" FROM erp.value_types");
        writeFlow(rules, "vt-condition", flow("vt-condition", "{\"type\": \"condition\", \"query\": \"" + query
                + "\", \"interval\": \"1s\", \"fireOnFirstScan\": true}", "[]", "/vt-condition"));
    }

    private String flow(String name, String trigger, String criteria, String path) {
        return """
                {"name": "%s", "description": "value forms", "entity": "value_types", "trigger": %s,
                 "criteria": %s, "mode": "every-time",
                 "actions": [{"type": "webhook", "url": "%s", "secret": "env:%s", "retry": {"schedule": ["1s"]}}]}
                """.formatted(name, trigger, criteria, receiver.url(path), ConnectorFixture.SECRET_ENV);
    }

    private static String values(java.util.function.Function<Column, String> value) {
        List<String> v = new ArrayList<>();
        for (Column c : COLUMNS) {
            v.add(value.apply(c));
        }
        return String.join(", ", v);
    }

    private static String assignments() {
        List<String> v = new ArrayList<>();
        for (Column c : COLUMNS) {
            v.add(c.name() + " = " + c.after());
        }
        return String.join(", ", v);
    }

    /** The bodies received on paths matching {@code paths}, by path, once there are {@code count}. */
    private Map<String, String> awaitBodies(int count, java.util.function.Predicate<String> paths) {
        Map<String, String> bodies = new LinkedHashMap<>();
        await().atMost(PATIENCE).untilAsserted(() -> {
            bodies.clear();
            for (HttpsReceiver.Request r : receiver.receiver().requests()) {
                if (paths.test(r.path())) {
                    bodies.put(r.path(), r.bodyText());
                }
            }
            assertThat(bodies.keySet()).as("received so far").hasSizeGreaterThanOrEqualTo(count);
        });
        return bodies;
    }
}
