package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.delivery.DeliveryConfig;
import com.startyhook.delivery.DeliveryService;
import com.startyhook.net.AddressPolicy;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code flows backfill} on a real PostgreSQL: criteria, organizations and --where select the rows, the actions
 * reach a real HTTPS receiver marked {@code "backfill": true}, once-per-element memory is respected, bad input is
 * refused with its reason, and a backfill killed with SIGKILL mid-way resumes and enqueues every element's
 * action exactly once.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class BackfillIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();

    static final int ROWS = 300;
    static final String SECRET = "backfill-secret-value";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path rules;
    @TempDir
    static Path logs;

    @BeforeAll
    static void erpTableAndRules() throws Exception {
        PG.execute("CREATE SCHEMA shop; CREATE TABLE shop.orders (id integer PRIMARY KEY, org integer NOT NULL,"
                + " status text NOT NULL, amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
                + " CREATE TABLE shop.loose (id integer NOT NULL, org integer); ALTER TABLE shop.loose REPLICA IDENTITY FULL;"
                + " INSERT INTO shop.loose SELECT i, 1 FROM generate_series(1, 5) i;"
                + " CREATE TABLE shop.line (order_id integer, n integer, note text, PRIMARY KEY (order_id, n));"
                + " INSERT INTO shop.line SELECT o, n, 'x' FROM generate_series(1, 3) o, generate_series(1, 2) n;"
                + " INSERT INTO shop.orders (id, org, status, amount) SELECT i, i % 3, CASE WHEN i % 2 = 0 THEN 'open'"
                + " ELSE 'closed' END, i FROM generate_series(1, " + ROWS + ") i; ANALYZE shop.orders");
        Files.createDirectories(rules.resolve("flows"));
        Files.writeString(rules.resolve("entities.json"), """
                {"entities": {"order": {"table": "shop.orders", "key": ["id"], "organization": "org",
                  "created": "created_at"},
                  "loose": {"table": "shop.loose", "key": ["id"], "organization": "org"},
                  "line": {"table": "shop.line", "key": ["order_id", "n"]}}}
                """);
        flow("order-crash", "\"events\": [\"create\"]", "", "every-time", "https://localhost:9/hooks/crash");
        flow("order-once", "\"events\": [\"create\"]", "", "once-per-element", "https://localhost:9/hooks/once");
        Files.writeString(rules.resolve("flows/order-condition.json"), """
                {"name": "order-condition", "entity": "order",
                 "trigger": {"type": "condition", "query": "SELECT id FROM shop.orders WHERE status = 'open'",
                   "interval": "1m"},
                 "mode": "every-time",
                 "actions": [{"type": "webhook", "url": "https://localhost:9/hooks/c", "secret": "env:HOOK_SECRET"}]}
                """);
        flow("order-inactive", "\"events\": [\"create\"]", "", "every-time", "https://localhost:9/hooks/inactive");
        assertThat(flows("activate", "order-crash", "order-once", "order-condition").exitCode()).isZero();
    }

    static void flow(String name, String events, String extra, String mode, String url) throws Exception {
        Files.writeString(rules.resolve("flows/" + name + ".json"), "{\"name\": \"" + name + "\", \"entity\": \"order\","
                + " \"trigger\": {\"type\": \"event\", " + events + "}, " + extra + " \"mode\": \"" + mode + "\","
                + " \"actions\": [{\"type\": \"webhook\", \"url\": \"" + url + "\", \"secret\": \"env:HOOK_SECRET\"}]}");
    }

    static Map<String, String> environment() {
        return Map.of("HOOK_SECRET", SECRET, "PGPASS_FOR_TEST", PG.password(),
                AddressPolicy.ENVIRONMENT_VARIABLE, "localhost");
    }

    static List<String> connection() {
        return List.of("--rules", rules.toString(), "--db", PG.jdbcUrl(), "--db-user", PG.user(),
                "--db-password-env", "PGPASS_FOR_TEST");
    }

    static Cli flows(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        ((FlowsCommand) cl.getSubcommands().get("flows").getCommand()).environment = environment();
        String[] all = Stream.concat(Stream.concat(Stream.of("flows"), connection().stream()), Stream.of(args))
                .toArray(String[]::new);
        int code = cl.execute(all);
        return new Cli(code, out.toString(), err.toString());
    }

    /** The ids of the rows 0 < id <= ROWS that {@code filter} keeps, as element ids. */
    static Set<String> ids(java.util.function.IntPredicate filter) {
        return IntStream.rangeClosed(1, ROWS).filter(filter).mapToObj(Integer::toString)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static List<String> elementsOf(String flow) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = PG.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT element_id FROM startyhook.action WHERE flow_name = '" + flow
                        + "' ORDER BY element_id::int")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    @Test
    void a_criteriaOrganizationsAndWhereSelectTheRowsAndTheReceiverGetsThemMarkedAsBackfill() throws Exception {
        // open orders (criteria) of organizations 1 and 2 (scope), amount >= 100 (--where): delivered for real
        flow("order-open", "\"events\": [\"create\"]",
                "\"criteria\": [{\"property\": \"status\", \"op\": \"eq\", \"value\": \"open\"}], \"organizations\":"
                        + " [\"1\", \"2\"],", "every-time", receiver.url("/hooks/open"));
        assertThat(flows("activate", "order-open").exitCode()).isZero();
        Cli run = flows("backfill", "order-open", "--where", "amount >= 100", "--rate", "2000/s");
        assertThat(run.exitCode()).as(run.all()).isZero();
        Set<String> expected = ids(i -> i >= 100 && i % 2 == 0 && i % 3 != 0);
        assertThat(run.out()).contains("backfill 1 of flow order-open started: rows where amount >= 100")
                .contains("table of ~" + ROWS + " rows")
                .contains("done: " + ROWS + " rows read, " + expected.size() + " fire the flow, " + expected.size()
                        + " enqueued (" + expected.size() + " actions)");
        assertThat(run.out()).doesNotContain("warning");
        assertThat(new TreeSet<>(elementsOf("order-open"))).isEqualTo(expected);
        assertThat(PG.count("startyhook.action WHERE flow_name = 'order-open' AND source = 'backfill'"))
                .isEqualTo(expected.size());

        try (Database db = PG.connectorDatabase(2);
                DeliveryService delivery = new DeliveryService(db, DeliveryConfig.defaults()
                        .withCaBundle(receiver.caBundle()).withPollInterval(Duration.ofMillis(200))
                        .withAllowedPrivateHosts(AddressPolicy.parse("localhost")),
                        new Secrets(Map.of("HOOK_SECRET", SECRET)), Clock.systemUTC(), new SimpleMeterRegistry())) {
            delivery.start();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> receiver.receiver().requests().size() >= expected.size());
        }
        Set<String> received = new TreeSet<>();
        for (HttpsReceiver.Request r : receiver.receiver().requests()) {
            JsonNode body = JSON.readTree(r.bodyText());
            assertThat(body.path("event").asText()).isEqualTo("create");
            assertThat(body.path("workflow").asText()).isEqualTo("order-open");
            assertThat(body.path("context").path("backfill").asBoolean()).as(r.bodyText()).isTrue();
            assertThat(body.path("context").path("table").asText()).isEqualTo("shop.orders");
            assertThat(body.path("context").path("organization").asText()).isIn("1", "2");
            assertThat(body.path("createdAt").isNull()).as("createdAt from the row").isFalse();
            received.add(body.path("id").asText());
        }
        assertThat(received).isEqualTo(expected);

        assertThat(flows("--json").out()).containsPattern("\"backfill\" : \\{[^}]*\"flow\" : \"order-open\"[^}]*"
                + "\"status\" : \"done\"[^}]*\"scanned\" : " + ROWS);
        Cli list = flows("list");
        assertThat(list.out()).contains("BACKFILL").containsPattern("order-open .*done .*" + ROWS + " rows, "
                + expected.size() + " enqueued");
        // once done, the same command starts a new backfill (a replay): every-time flows send again
        Cli again = flows("backfill", "order-open", "--where", "amount >= 290");
        Set<String> replayed = ids(i -> i >= 290 && i % 2 == 0 && i % 3 != 0);
        assertThat(again.out()).contains("backfill 2 of flow order-open started")
                .contains(replayed.size() + " enqueued");
        assertThat(PG.count("startyhook.action WHERE flow_name = 'order-open'"))
                .isEqualTo(expected.size() + replayed.size());
    }

    @Test
    void b_onceperElementSkipsElementsTheFlowAlreadyFiredForAndRemembersTheOthers() throws Exception {
        PG.execute("INSERT INTO startyhook.element_memory (flow_name, element_id) SELECT 'order-once', i::text"
                + " FROM generate_series(1, 10) i");
        Cli run = flows("backfill", "order-once");
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains(ROWS + " rows read, " + ROWS + " fire the flow, " + (ROWS - 10) + " enqueued")
                .contains("10 skipped: the flow (once per element) already fired for them");
        assertThat(elementsOf("order-once")).hasSize(ROWS - 10).doesNotContain("1", "10").contains("11", "300");
        assertThat(PG.count("startyhook.element_memory WHERE flow_name = 'order-once'")).isEqualTo(ROWS);
        // a second backfill finds every element remembered: nothing more
        Cli again = flows("backfill", "order-once");
        assertThat(again.out()).contains("0 enqueued (0 actions), " + ROWS + " skipped");
        assertThat(PG.count("startyhook.action WHERE flow_name = 'order-once'")).isEqualTo(ROWS - 10);
    }

    @Test
    void c_badInputIsRefusedWithItsReason() throws Exception {
        Cli unknown = flows("backfill", "no-such-flow");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(unknown.err()).contains("no flow named 'no-such-flow'").contains("`startyhook flows` lists them");

        Files.writeString(rules.resolve("flows/order-broken.json"), "{\"name\": \"order-broken\", \"entity\": \"nope\"}");
        Cli broken = flows("backfill", "order-broken");
        assertThat(broken.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(broken.err()).contains("flow order-broken has problems").contains("order-broken.json");
        Files.delete(rules.resolve("flows/order-broken.json"));

        Cli semicolon = flows("backfill", "order-crash", "--where", "amount > 1; DROP TABLE shop.orders");
        assertThat(semicolon.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(semicolon.err()).contains("--where of the backfill of flow order-crash").contains("';'");

        Cli parentheses = flows("backfill", "order-crash", "--where", "true) OR (true");
        assertThat(parentheses.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(parentheses.err()).contains("a ')' without its '('");

        Cli modifies = flows("backfill", "order-crash", "--where",
                "EXISTS (WITH d AS (DELETE FROM shop.orders RETURNING 1) SELECT 1 FROM d)");
        assertThat(modifies.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(modifies.err()).contains("DELETE");

        Cli column = flows("backfill", "order-crash", "--where", "no_such_column > 3");
        assertThat(column.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(column.err()).contains("does not work on shop.orders").contains("no_such_column");

        Cli rate = flows("backfill", "order-crash", "--rate", "fast");
        assertThat(rate.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(rate.err()).contains("--rate 'fast' is not a number of rows per second").contains("500/s");
        assertThat(flows("backfill", "order-crash", "--rate", "0/s").exitCode()).isEqualTo(ExitCodes.USAGE);

        Cli condition = flows("backfill", "order-condition");
        assertThat(condition.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(condition.err()).contains("condition trigger").contains("fireOnFirstScan");

        Cli inactive = flows("backfill", "order-inactive");
        assertThat(inactive.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(inactive.err()).contains("flow order-inactive is not active")
                .contains("startyhook flows activate order-inactive");

        StringWriter err = new StringWriter();
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        ((FlowsCommand) cl.getSubcommands().get("flows").getCommand()).environment = environment();
        int code = cl.execute("flows", "--rules", rules.toString(), "--db", "jdbc:postgresql://127.0.0.1:"
                + com.startyhook.testsupport.ConnectorProcess.freePort() + "/erp?connectTimeout=2", "--db-user", "x",
                "--db-password-env", "PGPASS_FOR_TEST", "backfill", "order-crash");
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(err.toString()).contains("cannot open the connector's schema");
        assertThat(PG.count("startyhook.backfill WHERE flow_name IN ('order-crash', 'order-inactive')")).isZero();
    }

    @Test
    void e_aKeyWithoutAnIndexIsWorkedThroughWithAWarning() throws Exception {
        Files.writeString(rules.resolve("flows/loose-created.json"), "{\"name\": \"loose-created\", \"entity\":"
                + " \"loose\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]}, \"mode\": \"every-time\","
                + " \"actions\": [{\"type\": \"webhook\", \"url\": \"https://localhost:9/l\", \"secret\": \"env:HOOK_SECRET\"}]}");
        Cli activated = flows("activate", "loose-created");
        assertThat(activated.exitCode()).as(activated.all()).isZero();
        assertThat(flows("pause", "loose-created").exitCode()).isZero();
        Cli run = flows("backfill", "loose-created", "--rate", "2/s");
        assertThat(run.exitCode()).as(run.all()).isZero();
        // a paused flow's backfilled actions are held like its live ones
        assertThat(run.out()).contains("flow loose-created is paused: its actions are held (5 now)");
        assertThat(PG.count("startyhook.action WHERE flow_name = 'loose-created' AND status = 'pending'"
                + " AND next_attempt_at = 'infinity'")).isEqualTo(5);
        assertThat(run.out()).contains("warning: no index of shop.loose starts with the key [id]")
                .contains("done: 5 rows read, 5 fire the flow, 5 enqueued");
        assertThat(elementsOf("loose-created")).containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    void f_aCompositeKeyIsPagedInKeyOrder() throws Exception {
        Files.writeString(rules.resolve("flows/line-created.json"), "{\"name\": \"line-created\", \"entity\":"
                + " \"line\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]}, \"mode\": \"every-time\","
                + " \"actions\": [{\"type\": \"webhook\", \"url\": \"https://localhost:9/l\", \"secret\": \"env:HOOK_SECRET\"}]}");
        Cli activated = flows("activate", "line-created");
        assertThat(activated.exitCode()).as(activated.all()).isZero();
        Cli run = flows("backfill", "line-created", "--rate", "8/s", "--where", "n = 2 OR order_id = 1");
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("done: 6 rows read, 4 fire the flow, 4 enqueued");
        List<String> ids = new ArrayList<>();
        try (Connection c = PG.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT element_id FROM startyhook.action WHERE flow_name = 'line-created'"
                        + " ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        assertThat(ids).containsExactly("1|1", "1|2", "2|2", "3|2");
        assertThat(PG.queryValue("SELECT array_to_string(cursor_key, ',') FROM startyhook.backfill"
                + " WHERE flow_name = 'line-created'")).isEqualTo("3,2");
    }

    @Test
    void d_aBackfillKilledMidwayResumesAndEnqueuesEachElementExactlyOnce() throws Exception {
        Path log = logs.resolve("backfill.log");
        Process child = backfillProcess(log, "order-crash", "--rate", "25/s");
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> scanned("order-crash") >= 80);
            // while it runs: a second backfill of the same flow is refused, and `flows` shows it running
            Cli second = flows("backfill", "order-crash");
            assertThat(second.exitCode()).as(second.all()).isEqualTo(ExitCodes.ERROR);
            assertThat(second.err()).contains("a backfill of flow order-crash is already running");
            assertThat(flows("list").out()).containsPattern("order-crash .*running \\d+% \\(\\d+/~" + ROWS + " rows\\)");
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no clean end of the transaction under way
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        long atKill = scanned("order-crash");
        assertThat(atKill).as("killed mid-way (log: %s)", Files.readString(log)).isBetween(80L, (long) ROWS - 1);
        long id = ((Number) PG.queryValue("SELECT id FROM startyhook.backfill WHERE flow_name = 'order-crash'"))
                .longValue();
        assertThat(Files.readString(log)).contains("backfill " + id + " of flow order-crash started").contains("rows/s");
        assertThat(PG.queryValue("SELECT status FROM startyhook.backfill WHERE flow_name = 'order-crash'"))
                .isEqualTo("running");
        // the committed pages are exactly what is in the outbox
        assertThat(PG.count("startyhook.action WHERE flow_name = 'order-crash'")).isEqualTo(atKill);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> flows("list").out().contains("interrupted after"));

        // a new --where is refused while one is interrupted; the plain command resumes it (faster)
        Cli other = flows("backfill", "order-crash", "--where", "amount > 5");
        assertThat(other.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(other.err()).contains("has an interrupted backfill of every row").contains("--restart");
        Cli resumed = flows("backfill", "order-crash", "--rate", "5000/s");
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("resuming backfill " + id + " of flow order-crash after " + atKill + " rows")
                .contains("done: " + ROWS + " rows read, " + ROWS + " fire the flow, " + ROWS + " enqueued");

        assertThat(elementsOf("order-crash")).as("each element's action exactly once")
                .hasSize(ROWS).doesNotHaveDuplicates().containsExactlyElementsOf(
                        IntStream.rangeClosed(1, ROWS).mapToObj(Integer::toString).toList());
        assertThat(PG.queryValue("SELECT status || ' ' || scanned || ' ' || enqueued || ' ' || actions"
                + " FROM startyhook.backfill WHERE flow_name = 'order-crash'")).isEqualTo("done 300 300 300");

        // --cancel and --restart: a fresh start enqueues again (another backfill, another id)
        assertThat(flows("backfill", "order-crash", "--cancel").out()).contains("has no running or interrupted backfill");
        Cli restart = flows("backfill", "order-crash", "--where", "amount <= 3", "--restart");
        assertThat(restart.out()).contains("backfill " + (id + 1) + " of flow order-crash started")
                .contains("3 enqueued");
        assertThat(PG.count("startyhook.action WHERE flow_name = 'order-crash'")).isEqualTo(ROWS + 3);
    }

    @Test
    void g_cancelStopsARunningBackfillAtItsNextPage() throws Exception {
        flow("order-cancel", "\"events\": [\"create\"]", "", "every-time", "https://localhost:9/hooks/cancel");
        assertThat(flows("activate", "order-cancel").exitCode()).isZero();
        Path log = logs.resolve("cancel.log");
        Process child = backfillProcess(log, "order-cancel", "--rate", "20/s");
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> scanned("order-cancel") >= 10);
            Cli cancel = flows("backfill", "order-cancel", "--cancel");
            assertThat(cancel.out()).containsPattern("cancelled backfill \\d+ of flow order-cancel after \\d+ rows");
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the running backfill stops by itself").isTrue();
            assertThat(child.exitValue()).isEqualTo(ExitCodes.ERROR);
        } finally {
            child.destroyForcibly();
        }
        assertThat(Files.readString(log)).contains("the backfill of flow order-cancel was cancelled after");
        long scanned = scanned("order-cancel");
        assertThat(scanned).isLessThan(ROWS);
        assertThat(PG.count("startyhook.action WHERE flow_name = 'order-cancel'")).isEqualTo(scanned);
        assertThat(flows("list").out()).containsPattern("order-cancel .*cancelled after " + scanned + " rows");
    }

    /** {@code flows backfill FLOW} in a JVM of its own, as an operator runs it, output to {@code log}. */
    static Process backfillProcess(Path log, String flow, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath(),
                "com.startyhook.cli.StartyHookCommand", "flows"));
        command.addAll(connection());
        command.addAll(List.of("backfill", flow));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(environment());
        return pb.start();
    }

    private static String classpath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    private static long scanned(String flow) throws Exception {
        Object v = PG.queryValue("SELECT scanned FROM startyhook.backfill WHERE flow_name = '" + flow
                + "' ORDER BY id DESC LIMIT 1");
        return v == null ? 0 : ((Number) v).longValue();
    }
}
