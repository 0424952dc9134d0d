package com.startyhook.delivery;

import static com.startyhook.delivery.Outboxes.action;
import static com.startyhook.delivery.Outboxes.enqueue;
import static com.startyhook.delivery.Outboxes.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.net.AddressPolicy;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxRepository;
import com.startyhook.ops.ElementOrderRepair;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A claim costs what its LIMIT costs, whatever the planner's statistics and the backlog: the state after
 * a quiet spell (autovacuum analyzed an outbox with nothing open) followed by a burst, where the old
 * claim's anti-join compared every pending action with every other one.
 *
 * <p>Cost is measured in buffers the claim touches ({@code EXPLAIN (ANALYZE, BUFFERS)}), which does not
 * depend on how busy the machine is; the bad plan touched millions for a claim of 64.
 */
class ClaimCostIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    private static final ObjectMapper JSON = new ObjectMapper();

    static Database db;
    final List<DeliveryService> services = new ArrayList<>();

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(12);
    }

    @BeforeEach
    void emptyOutbox() throws Exception {
        PG.execute("TRUNCATE startyhook.action, startyhook.attempt, startyhook.flow_pause, startyhook.endpoint");
    }

    @AfterEach
    void stopServices() {
        services.forEach(DeliveryService::close);
    }

    @Test
    void aBurstAfterAQuietSpellIsClaimedAtTheCostOfItsLimitAndDeliveredInOrderPerElement() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // a quiet night: one delivered action, then the outbox is analyzed with nothing open
        enqueue(db, List.of(action("f", "quiet", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 0)));
        DeliveryService first = start(meters);
        await().until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 1);
        first.close();
        services.remove(first);
        PG.execute("ANALYZE startyhook.action");

        // the morning's burst: 20,000 distinct elements and 1,000 changes of one element, committed at once
        List<NewAction> burst = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            burst.add(action("f", "e" + i, webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 0));
            if (i % 20 == 0) {
                burst.add(action("f", "hot", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), i / 20));
            }
        }
        enqueue(db, burst);
        assertThat(PG.count("startyhook.action WHERE waiting")).as("999 changes of 'hot' wait behind the first")
                .isEqualTo(999);

        JsonNode plan = explainClaim(64);
        assertThat(plan.toString()).as("no join compares pending actions with each other").doesNotContain("Anti");
        assertThat(plan.toString()).as("the head of action_claimable in index order, not a bitmap of every claimable"
                + " action and a sort").contains("\"Index Name\":\"action_claimable\"")
                .doesNotContain("Bitmap").doesNotContain("\"Node Type\":\"Sort\"");
        JsonNode root = plan.path("Plan");
        long buffers = root.path("Shared Hit Blocks").asLong() + root.path("Shared Read Blocks").asLong();
        assertThat(root.has("Shared Hit Blocks")).as("EXPLAIN reports buffers: " + root).isTrue();
        assertThat(buffers).as("buffers one claim of 64 touches at 21,000 pending (the anti-join touched millions)")
                .isLessThan(2_000);
        assertThat(root.path("Actual Rows").asLong()).as("rows the claim took").isEqualTo(64);

        JsonNode release = explainRelease();
        assertThat(release.toString()).as("the next action of each element is found through its own key in"
                + " action_open_by_element, not by reading every open action").contains("action_open_by_element")
                .doesNotContain("action_open_by_url");
        assertThat(release.path("Plan").path("Shared Hit Blocks").asLong()).as("buffers of one release of 64 elements")
                .isLessThan(2_000);

        start(meters);
        await().atMost(Duration.ofMinutes(4))
                .until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == burst.size() + 1);
        assertThat(PG.count("startyhook.action WHERE waiting")).isZero();
        List<Integer> hot = new ArrayList<>();
        for (Request r : receiver.receiver().requests()) {
            JsonNode body = JSON.readTree(r.body());
            if (body.path("id").asText().equals("hot")) {
                hot.add(body.path("context").path("seq").asInt());
            }
        }
        assertThat(hot).as("the 1,000 changes of one element arrive once each, in order").hasSize(1_000).isSorted();
        Timer claims = meters.find("startyhook.delivery.claim").timer();
        assertThat(claims).isNotNull();
        assertThat(claims.count()).isPositive();
        System.out.printf("claims: %d, mean %.1f ms, max %.1f ms%n", claims.count(),
                claims.mean(TimeUnit.MILLISECONDS), claims.max(TimeUnit.MILLISECONDS));
    }

    @Test
    void aHeldBacklogIsNeverReadByTheClaim() throws Exception {
        // 20,000 actions of a paused flow, enqueued held, and 10 due ones of another flow behind them in id order
        new com.startyhook.outbox.Holds(db).pause("paused", "test");
        List<NewAction> held = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            held.add(action("paused", "e" + i, webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 0));
        }
        enqueue(db, held);
        List<NewAction> due = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            due.add(action("running", "e" + i, webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 0));
        }
        enqueue(db, due);
        PG.execute("ANALYZE startyhook.action");
        assertThat(PG.count("startyhook.action WHERE next_attempt_at = 'infinity'")).isEqualTo(20_000);

        JsonNode plan = explainClaim(64);
        assertThat(plan.toString()).contains("\"Index Name\":\"action_claimable\"").doesNotContain("Bitmap")
                .doesNotContain("\"Node Type\":\"Sort\"");
        assertThat(plan.path("Plan").path("Actual Rows").asLong()).as("only the due ones").isEqualTo(10);
        JsonNode scan = node(plan.path("Plan"), "action_claimable");
        assertThat(scan).as("the scan of action_claimable in " + plan).isNotNull();
        assertThat(scan.path("Actual Rows").asLong()).as("rows the index scan read: the due ones, no held one")
                .isEqualTo(10);
        long buffers = scan.path("Shared Hit Blocks").asLong() + scan.path("Shared Read Blocks").asLong();
        assertThat(buffers).as("buffers the index scan touches beside 20,000 held actions: its head only")
                .isLessThan(50);
    }

    /** The plan node that scans {@code index}, or null. */
    private static JsonNode node(JsonNode plan, String index) {
        if (index.equals(plan.path("Index Name").asText())) {
            return plan;
        }
        for (JsonNode child : plan.path("Plans")) {
            JsonNode found = node(child, index);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Test
    void outboxRetryHoldsLaterActionsBackAgainAndCancelReleasesTheNextOne() throws Exception {
        OutboxRepository outbox = new OutboxRepository(db);
        enqueue(db, List.of(action("f", "x", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 1)));
        long first = ids().get(0);
        PG.execute("UPDATE startyhook.action SET status = 'failed'");
        enqueue(db, List.of(action("f", "x", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 2),
                action("f", "x", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 3),
                action("f", "other", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 1)));
        assertThat(waiting()).as("the failed one holds nothing back; the third waits for the second")
                .containsExactly(false, false, true, false);

        outbox.retry(List.of(first));
        assertThat(waiting()).as("retried, the first goes first again; the other element is not touched")
                .containsExactly(false, true, true, false);

        outbox.cancel(List.of(first));
        assertThat(waiting()).as("cancelled, it lets the next one go, not both").containsExactly(false, false, true, false);
    }

    @Test
    void anActionLeftWaitingByAStatusChangedByHandIsReleasedByTheLeadersRepair() throws Exception {
        enqueue(db, List.of(action("f", "x", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 1),
                action("f", "x", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 2),
                action("f", "x", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 3)));
        assertThat(waiting()).containsExactly(false, true, true);
        ElementOrderRepair repair = new ElementOrderRepair(db);
        assertThat(repair.runOnce()).as("nothing to repair while the first is open").isZero();

        PG.execute("UPDATE startyhook.action SET status = 'cancelled' WHERE id = " + ids().get(0));
        assertThat(waiting()).as("psql bypasses the connector").containsExactly(false, true, true);
        assertThat(repair.runOnce()).isEqualTo(1);
        assertThat(waiting()).containsExactly(false, false, true);
    }

    private List<Long> ids() throws Exception {
        return column("id", rs -> rs.getLong(1));
    }

    private List<Boolean> waiting() throws Exception {
        return column("waiting", rs -> rs.getBoolean(1));
    }

    private interface Column<T> {
        T read(ResultSet rs) throws java.sql.SQLException;
    }

    /** One column of every action, in id order. */
    private static <T> List<T> column(String name, Column<T> value) throws Exception {
        List<T> out = new ArrayList<>();
        try (Connection c = PG.connect(); ResultSet rs = c.createStatement()
                .executeQuery("SELECT " + name + " FROM startyhook.action ORDER BY id")) {
            while (rs.next()) {
                out.add(value.read(rs));
            }
        }
        return out;
    }

    /** Runs the finish's release of the next action, for 64 elements, under EXPLAIN (ANALYZE, BUFFERS); rolled back. */
    private JsonNode explainRelease() throws Exception {
        String[] flows = new String[64];
        String[] elements = new String[64];
        for (int i = 0; i < 64; i++) {
            flows[i] = "f";
            elements[i] = "e" + (i * 300);
        }
        return explain(new com.startyhook.outbox.ElementOrder("startyhook").releaseStatement(), null, (c, ps) -> {
            ps.setArray(1, c.createArrayOf("text", flows));
            ps.setArray(2, c.createArrayOf("text", elements));
        });
    }

    /** Runs the real claim statement under EXPLAIN (ANALYZE, BUFFERS), in its transaction and with its settings. */
    private JsonNode explainClaim(int limit) throws Exception {
        return explain(new ActionQueue(db).claimStatement(), ActionQueue.PLAN_SETTINGS, (c, ps) -> {
            ps.setInt(1, limit);
            ps.setInt(2, limit);
            ps.setString(3, "explain");
            ps.setLong(4, 60_000);
            ps.setInt(5, limit);
        });
    }

    private interface Binder {
        void bind(Connection c, PreparedStatement ps) throws java.sql.SQLException;
    }

    /** {@code sql} under EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON), after {@code settings} if any; rolled back. */
    private JsonNode explain(String sql, String settings, Binder binder) throws Exception {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                if (settings != null) {
                    try (java.sql.Statement st = c.createStatement()) {
                        st.execute(settings);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)) {
                    binder.bind(c, ps);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return JSON.readTree(rs.getString(1)).get(0);
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private DeliveryService start(SimpleMeterRegistry meters) {
        DeliveryConfig config = DeliveryConfig.defaults().withCaBundle(receiver.caBundle())
                .withPollInterval(Duration.ofMillis(200)).withConnectTimeout(Duration.ofSeconds(2))
                .withAllowedPrivateHosts(AddressPolicy.parse("localhost")); // the local receiver
        DeliveryService s = new DeliveryService(db, config, new Secrets(Map.of(Outboxes.SECRET_NAME, Outboxes.SECRET)),
                Clock.systemUTC(), meters);
        services.add(s);
        s.start();
        return s;
    }
}
