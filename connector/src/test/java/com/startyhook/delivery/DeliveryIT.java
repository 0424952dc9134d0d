package com.startyhook.delivery;

import static com.startyhook.delivery.Outboxes.action;
import static com.startyhook.delivery.Outboxes.enqueue;
import static com.startyhook.delivery.Outboxes.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.outbox.NewAction;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DeliveryIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();

    static Database db;
    @RegisterExtension
    final DeliveryServices services = new DeliveryServices();

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(12);
    }

    @BeforeEach
    void emptyOutbox() throws Exception {
        PG.execute("TRUNCATE startyhook.action, startyhook.attempt");
    }

    DeliveryConfig config() {
        return DeliveryServices.toLocalReceiver(receiver);
    }

    DeliveryService start(DeliveryConfig config) {
        return services.start(db, config);
    }

    String hook() {
        return receiver.url("/hook");
    }

    @Test
    void sendsTheExactPayloadSignedAsDesignSection8Says() throws Exception {
        NewAction a = action("project-updated", "42", webhook(hook(), Duration.ofSeconds(5)), 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> receiver.receiver().requests().size() == 1);
        Request r = receiver.receiver().requests().get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.bodyText()).isEqualTo(a.payload());
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.header("X-StartyHook-Id")).isEqualTo(a.messageId().toString());
        assertThat(r.header("X-StartyHook-Event")).isEqualTo("update");
        assertThat(r.header("X-Tenant")).as("the action's extra header").isEqualTo("acme");
        long timestamp = Long.parseLong(r.header("X-StartyHook-Timestamp"));
        assertThat(Math.abs(Instant.now().getEpochSecond() - timestamp)).isLessThan(60);
        assertThat(r.header("X-StartyHook-Signature"))
                .isEqualTo(independentSignature(r.body(), r.header("X-StartyHook-Timestamp")));

        await().until(() -> "delivered".equals(status(a)));
        assertThat(attempts(a)).containsExactly("1 delivered 200");
        assertThat(PG.queryValue("SELECT delivered_at IS NOT NULL AND lease_owner IS NULL FROM startyhook.action"))
                .isEqualTo(true);
    }

    /** The recipe of the README's wire protocol written out with javax.crypto, independent of the production signer. */
    static String independentSignature(byte[] body, String timestamp) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Outboxes.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] signed = new byte[body.length + timestamp.length()];
        System.arraycopy(body, 0, signed, 0, body.length);
        System.arraycopy(timestamp.getBytes(StandardCharsets.UTF_8), 0, signed, body.length, timestamp.length());
        return HexFormat.of().formatHex(mac.doFinal(signed));
    }

    @Test
    void retriesOnServerErrorsAndStopsAtTheFirst2xx() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        receiver.receiver().respondWith(r -> calls.incrementAndGet() <= 2
                ? Response.status(500).withBody("boom") : Response.status(204));
        NewAction a = action("f", "1", webhook(hook(), Duration.ofSeconds(5), 50, 50, 50, 50), 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> "delivered".equals(status(a)));
        assertThat(attempts(a)).containsExactly("1 retry 500", "2 retry 500", "3 delivered 204");
        assertThat(receiver.receiver().requests()).hasSize(3)
                .allSatisfy(r -> {
                    assertThat(r.header("X-StartyHook-Id")).as("stable across retries").isEqualTo(a.messageId().toString());
                    assertThat(r.header("X-StartyHook-Signature"))
                            .isEqualTo(independentSignature(r.body(), r.header("X-StartyHook-Timestamp")));
                });
        assertThat(PG.queryValue("SELECT response_excerpt FROM startyhook.attempt WHERE attempt_no = 1")).isEqualTo("boom");
    }

    @Test
    void retriesAfterATimeout() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        receiver.receiver().respondWith(r -> calls.incrementAndGet() == 1
                ? Response.status(200).withDelay(2_000) : Response.status(200));
        NewAction a = action("f", "1", webhook(hook(), Duration.ofMillis(300), 50), 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> "delivered".equals(status(a)));
        assertThat(attempts(a)).containsExactly("1 retry null", "2 delivered 200");
        assertThat((String) PG.queryValue("SELECT error FROM startyhook.attempt WHERE attempt_no = 1")).contains("timeout");
    }

    @Test
    void aRefusedConnectionIsRetriedAndEndsFailedAfterTheSchedule() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        NewAction a = action("f", "1", webhook("https://localhost:" + closedPort + "/hook", Duration.ofSeconds(2), 50, 50), 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> "failed".equals(status(a)));
        assertThat(attempts(a)).containsExactly("1 retry null", "2 retry null", "3 failed null");
        assertThat((String) PG.queryValue("SELECT last_error FROM startyhook.action")).contains("connection refused");
    }

    @Test
    void endsFailedAfterTheLastScheduledAttempt() throws Exception {
        receiver.receiver().respondWith(r -> Response.status(500));
        NewAction a = action("f", "1", webhook(hook(), Duration.ofSeconds(2), 50, 50), 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> "failed".equals(status(a)));
        assertThat(attempts(a)).containsExactly("1 retry 500", "2 retry 500", "3 failed 500");
        assertThat(PG.queryValue("SELECT last_http_status FROM startyhook.action")).isEqualTo(500);
        assertThat(receiver.receiver().requests()).hasSize(3);
    }

    @Test
    void honoursRetryAfterWhenLongerThanTheSchedule() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        receiver.receiver().respondWith(r -> calls.incrementAndGet() == 1
                ? Response.status(503).withHeader("Retry-After", "2") : Response.status(200));
        NewAction a = action("f", "1", webhook(hook(), Duration.ofSeconds(2), 50), 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> "delivered".equals(status(a)));
        List<Request> requests = receiver.receiver().requests();
        assertThat(requests).hasSize(2);
        // the receiver asked for 2 s; the schedule said 50 ms
        assertThat(Duration.between(requests.get(0).receivedAt(), requests.get(1).receivedAt()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
    }

    @Test
    void redirectsAreNotFollowed() throws Exception {
        receiver.receiver().respondWith(r -> r.path().equals("/hook")
                ? Response.status(302).withHeader("Location", receiver.url("/elsewhere")) : Response.status(200));
        NewAction a = action("f", "1", webhook(hook(), Duration.ofSeconds(2)), 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> "failed".equals(status(a)));
        assertThat(receiver.receiver().requests()).extracting(Request::path).containsExactly("/hook");
        assertThat(attempts(a)).containsExactly("1 failed 302");
        assertThat((String) PG.queryValue("SELECT error FROM startyhook.attempt")).contains("redirects are not followed");
    }

    @Test
    void plainHttpIsRefusedUnlessAllowed() throws Exception {
        HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger received = new AtomicInteger();
        plain.createContext("/", ex -> {
            received.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        plain.start();
        try {
            String url = "http://localhost:" + plain.getAddress().getPort() + "/hook";
            NewAction refused = action("f", "1", webhook(url, Duration.ofSeconds(2), 50, 50), 1);
            enqueue(db, List.of(refused));
            DeliveryService strict = start(config());
            await().until(() -> "failed".equals(status(refused)));
            assertThat(attempts(refused)).as("permanently refused, not retried").containsExactly("1 failed null");
            assertThat((String) PG.queryValue("SELECT last_error FROM startyhook.action"))
                    .contains("not https").contains("rules.allow-insecure-urls");
            assertThat(received).hasValue(0);
            strict.close();

            NewAction allowed = action("f", "2", webhook(url, Duration.ofSeconds(2)), 1);
            enqueue(db, List.of(allowed));
            start(config().withAllowInsecureUrls(true));
            await().until(() -> "delivered".equals(status(allowed)));
            assertThat(received).hasValue(1);
        } finally {
            plain.stop(0);
        }
    }

    @Test
    void theResponseExcerptIsCapped() throws Exception {
        receiver.receiver().respondWith(r -> Response.status(500).withBody("x".repeat(100_000)));
        NewAction a = action("f", "1", webhook(hook(), Duration.ofSeconds(5)), 1);
        enqueue(db, List.of(a));
        start(config().withMaxResponseExcerpt(100));

        await().until(() -> "failed".equals(status(a)));
        assertThat((String) PG.queryValue("SELECT response_excerpt FROM startyhook.attempt")).isEqualTo("x".repeat(100));
    }

    @Test
    void anUnresolvableSecretIsARetriedAttemptFailureThatNamesTheReference() throws Exception {
        var hook = new com.startyhook.rules.WebhookAction(java.net.URI.create(hook()), "env:NOT_SET_ANYWHERE",
                Map.of(), Duration.ofSeconds(2), List.of(Duration.ofMillis(50)));
        NewAction a = action("f", "1", hook, 1);
        enqueue(db, List.of(a));
        start(config());

        await().until(() -> "failed".equals(status(a)));
        assertThat(attempts(a)).containsExactly("1 retry null", "2 failed null");
        assertThat((String) PG.queryValue("SELECT last_error FROM startyhook.action"))
                .contains("env:NOT_SET_ANYWHERE").contains("not set");
        assertThat(receiver.receiver().requests()).isEmpty();
    }

    @Test
    void anActionEnqueuedByAnotherConnectionIsSentWithoutWaitingForAPoll() throws Exception {
        start(config().withPollInterval(Duration.ofMinutes(5)));
        // let the workers go idle, then enqueue from a connection of "another process"
        await().pollDelay(Duration.ofMillis(500)).until(() -> true);
        NewAction a = action("f", "1", webhook(hook(), Duration.ofSeconds(2)), 1);
        enqueue(db, List.of(a));
        await().atMost(Duration.ofSeconds(20)).until(() -> "delivered".equals(status(a)));
    }

    @Test
    void twoServicesDeliverEachActionOnceInCreationOrderPerElement() throws Exception {
        int elements = 50;
        int perElement = 20;
        List<NewAction> all = new ArrayList<>();
        for (int seq = 0; seq < perElement; seq++) {
            for (int e = 0; e < elements; e++) {
                all.add(action("stock-changed", "p" + e, webhook(hook(), Duration.ofSeconds(5), 50, 50), seq));
            }
        }
        enqueue(db, all.subList(0, 500));
        DeliveryConfig config = config().withWorkers(4).withBatchSize(16);
        start(config);
        start(config);
        for (int i = 500; i < all.size(); i += 50) {
            enqueue(db, all.subList(i, i + 50));
        }

        await().atMost(Duration.ofMinutes(2))
                .until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == all.size());
        List<Request> requests = receiver.receiver().requests();
        assertThat(requests).hasSize(all.size());
        assertThat(requests.stream().map(r -> r.header("X-StartyHook-Id")).distinct().count()).isEqualTo(all.size());
        Map<String, NewAction> byId = new java.util.HashMap<>();
        all.forEach(a -> byId.put(a.messageId().toString(), a));
        Map<String, Integer> lastSeq = new java.util.HashMap<>();
        for (Request r : requests) {
            NewAction a = byId.get(r.header("X-StartyHook-Id"));
            int seq = Integer.parseInt(a.dedupKey().split(":")[2]);
            Integer before = lastSeq.put(a.elementId(), seq);
            assertThat(seq).as("element %s in creation order", a.elementId()).isEqualTo(before == null ? 0 : before + 1);
        }
        // each action delivered by exactly one attempt; other attempts (a connect timeout on a loaded
        // machine) never reached the receiver, which saw each id exactly once (asserted above)
        assertThat(PG.count("startyhook.attempt WHERE outcome = 'delivered'")).isEqualTo(all.size());
        assertThat(PG.count("startyhook.attempt WHERE outcome <> 'delivered' AND http_status IS NOT NULL"))
                .as("no attempt got an HTTP answer without being delivered").isZero();
        assertThat(PG.count("(SELECT DISTINCT worker FROM startyhook.attempt) w")).as("both services worked")
                .isGreaterThan(1);
    }

    @Test
    void anExpiredLeaseOfADeadWorkerIsTakenOverAndOrderKept() throws Exception {
        NewAction first = action("f", "E", webhook(hook(), Duration.ofSeconds(2)), 0);
        NewAction second = action("f", "E", webhook(hook(), Duration.ofSeconds(2)), 1);
        NewAction other = action("f", "F", webhook(hook(), Duration.ofSeconds(2)), 0);
        enqueue(db, List.of(first, second, other));
        PG.execute("UPDATE startyhook.action SET status = 'delivering', lease_owner = 'killed:1/w1',"
                + " lease_expires_at = now() + interval '1 second' WHERE message_id = '" + first.messageId() + "'");
        start(config());

        await().until(() -> "delivered".equals(status(second)));
        assertThat(status(first)).isEqualTo("delivered");
        assertThat(receiver.receiver().requests()).extracting(r -> r.header("X-StartyHook-Id"))
                .containsSubsequence(first.messageId().toString(), second.messageId().toString());
        assertThat(PG.count("startyhook.action WHERE status <> 'delivered'")).isZero();
    }

    @Test
    void aServiceKilledMidDeliveryLeavesNothingStuck() throws Exception {
        receiver.receiver().respondWith(r -> Response.status(200).withDelay(300));
        List<NewAction> actions = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            actions.add(action("f", "e" + (i % 10), webhook(hook(), Duration.ofMillis(1_000)), i / 10));
        }
        enqueue(db, actions);
        DeliveryConfig config = config().withConnectTimeout(Duration.ofMillis(500)).withLease(Duration.ofSeconds(1));
        DeliveryService doomed = start(config);
        await().until(() -> PG.count("startyhook.action WHERE status = 'delivering'") > 0);
        doomed.abort();
        services.forget(doomed);
        assertThat(PG.count("startyhook.action WHERE status = 'delivering'")).isPositive();

        start(config);
        await().atMost(Duration.ofMinutes(1))
                .until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == actions.size());
        assertThat(PG.count("startyhook.action WHERE status = 'delivering'")).isZero();
    }

    @Test
    void anActionWhoseLeaseWouldExpireWhileWaitingForItsHostIsReleasedNotSentTwice() throws Exception {
        // one connection per host and a slow receiver: a batch of 20 takes ~12 s to send one by one,
        // far longer than the 1 s lease; the first worker renews the lease of all it holds while they wait
        // for their turn, and a second service, which takes over expired leases, must never send one too.
        receiver.receiver().respondWith(r -> Response.status(200).withDelay(600));
        List<NewAction> actions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            actions.add(action("f", "slow-" + i, webhook(hook(), Duration.ofSeconds(2), 100, 100, 100), 0));
        }
        enqueue(db, actions);
        DeliveryConfig config = config().withWorkers(1).withBatchSize(20).withPerHostLimit(1)
                .withLease(Duration.ofSeconds(1));
        start(config);
        await().until(() -> PG.count("startyhook.action WHERE status = 'delivering'") == 20);
        start(config);

        await().atMost(Duration.ofMinutes(2))
                .until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == actions.size());
        List<Request> requests = receiver.receiver().requests();
        assertThat(requests.stream().map(r -> r.header("X-StartyHook-Id")).distinct().count()).isEqualTo(20);
        assertThat(requests).as("no action sent twice").hasSize(20);
        assertThat(PG.count("startyhook.attempt WHERE outcome = 'delivered'")).isEqualTo(20);
    }

    @Test
    void aLeaseShorterThanTheAttemptIsRenewedSoNoOtherProcessSendsTheActionAgain() throws Exception {
        // the answer takes 4 s, the lease 1 s: without renewals the second service would take the action
        // over after 1 s and send it again
        receiver.receiver().respondWith(r -> Response.status(200).withDelay(4_000));
        NewAction slow = action("f", "slow", webhook(hook(), Duration.ofSeconds(10)), 0);
        enqueue(db, List.of(slow));
        DeliveryConfig config = config().withLease(Duration.ofSeconds(1));
        start(config);
        await().until(() -> "delivering".equals(status(slow)));
        start(config);

        await().atMost(Duration.ofSeconds(60)).until(() -> "delivered".equals(status(slow)));
        assertThat(receiver.receiver().requests()).as("sent once").hasSize(1);
        assertThat(attempts(slow)).containsExactly("1 delivered 200");
    }

    @Test
    void aSlowReceiverHoldsOnlyItsOwnRequestNotTheOtherActionsOfItsWorker() throws Exception {
        receiver.receiver().respondWith(r -> r.path().endsWith("/slow")
                ? Response.status(200).withDelay(12_000) : Response.status(200));
        List<NewAction> actions = new ArrayList<>();
        NewAction slow = action("f", "slow", webhook(receiver.url("/slow"), Duration.ofSeconds(20)), 0);
        actions.add(slow); // first: claimed in the worker's first batch, with fast ones
        for (int i = 0; i < 60; i++) {
            actions.add(action("f", "fast-" + i, webhook(hook(), Duration.ofSeconds(20)), 0));
        }
        enqueue(db, actions);
        start(config().withWorkers(1).withBatchSize(8));

        // a worker that waited for its whole batch would deliver nothing more before the slow answer (12 s)
        await().atMost(Duration.ofSeconds(60))
                .until(() -> PG.count("startyhook.action WHERE status = 'delivered' AND element_id LIKE 'fast-%'") == 60);
        assertThat(status(slow)).as("the slow request is still unanswered").isEqualTo("delivering");
        await().atMost(Duration.ofSeconds(60)).until(() -> "delivered".equals(status(slow)));
        assertThat(attempts(slow)).containsExactly("1 delivered 200");
        assertThat(receiver.receiver().requests()).hasSize(61);
    }

    @Test
    void closeWaitsForTheGracePeriodThenReleasesWhatIsUnanswered() throws Exception {
        receiver.receiver().respondWith(r -> Response.status(200).withDelay(3_000));
        List<NewAction> actions = List.of(action("f", "1", webhook(hook(), Duration.ofSeconds(10)), 0),
                action("f", "2", webhook(hook(), Duration.ofSeconds(10)), 0));
        enqueue(db, actions);
        DeliveryService service = start(config().withShutdownGrace(Duration.ofMillis(200)));
        await().until(() -> PG.count("startyhook.action WHERE status = 'delivering'") == 2);
        service.close();

        assertThat(PG.count("startyhook.action WHERE status = 'pending' AND attempts = 0 AND lease_owner IS NULL"))
                .isEqualTo(2);
        assertThat(PG.count("startyhook.attempt WHERE outcome = 'released'")).isEqualTo(2);
    }

    static String status(NewAction a) {
        return ActionState.status(PG, a);
    }

    static List<String> attempts(NewAction a) {
        return ActionState.attempts(PG, a);
    }
}
