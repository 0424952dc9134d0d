package com.startyhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.outbox.Holds;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxRepository;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.rules.WebhookAction;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14, points 4 and 5, with a real local HTTPS receiver: an endpoint that answers 410 Gone or fails for
 * delivery.disable-after is disabled and its actions held, never failed, until it is enabled again; a paused
 * flow's actions are held while detection and enqueueing go on, and resuming delivers every one, in order.
 */
class HeldDeliveriesIT {
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
        PG.execute("TRUNCATE startyhook.action, startyhook.attempt, startyhook.endpoint, startyhook.flow_pause");
    }

    static ConditionFactory patiently() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100));
    }

    DeliveryConfig config() {
        return DeliveryServices.toLocalReceiver(receiver).withConnectTimeout(Duration.ofSeconds(2));
    }

    void start(DeliveryConfig config) {
        services.start(db, config);
    }

    static WebhookAction hook(String url, long... scheduleMs) {
        return Outboxes.webhook(url, Duration.ofSeconds(30), scheduleMs);
    }

    @Test
    void anEndpointThatAnswers410IsDisabledItsActionsHeldAndReEnablingDeliversThemInOrder() throws Exception {
        AtomicBoolean gone = new AtomicBoolean(true);
        receiver.receiver().respondWith(r -> r.path().equals("/gone") && gone.get() ? Response.status(410)
                : Response.status(200));
        String url = receiver.url("/gone");
        List<NewAction> toGone = List.of(Outboxes.action("orders", "1", hook(url, 50, 50), 1),
                Outboxes.action("orders", "1", hook(url, 50, 50), 2),
                Outboxes.action("orders", "2", hook(url, 50, 50), 3));
        NewAction elsewhere = Outboxes.action("orders", "3", hook(receiver.url("/fine"), 50, 50), 4);
        List<NewAction> all = new ArrayList<>(toGone);
        all.add(elsewhere);
        Outboxes.enqueue(db, all);
        start(config());

        patiently().until(() -> "disabled".equals(endpointState(url)) && toGone.stream().allMatch(HeldDeliveriesIT::held)
                && "delivered".equals(status(elsewhere)));
        assertThat(toGone).as("held, never failed").allMatch(a -> "pending".equals(status(a)));
        assertThat(attempts(toGone.get(0))).containsExactly("1 retry 410");
        assertThat(endpointReason(url)).contains("410");
        assertThat(new Holds(db).summary().disabledEndpoints()).containsExactly(url);
        // enqueued while disabled: held at once
        NewAction later = Outboxes.action("orders", "1", hook(url, 50, 50), 5);
        Outboxes.enqueue(db, List.of(later));
        assertThat(held(later)).isTrue();

        gone.set(false);
        assertThat(new Holds(db).enable(url, "test")).as("enabled, all released")
                .isEqualTo(new Holds.Change(true, 4, 0));
        assertThat(new Holds(db).enable(url, "test").changed()).as("no longer disabled").isFalse();

        patiently().until(() -> toGone.stream().allMatch(a -> "delivered".equals(status(a)))
                && "delivered".equals(status(later)));
        assertThat(endpointState(url)).isEqualTo("enabled");
        assertThat(seqsOfElement("/gone", "1")).as("element 1 in order, each delivered once after the 410s")
                .endsWith(1, 2, 5);
        assertThat(PG.count("startyhook.action WHERE status = 'failed'")).isZero();
    }

    @Test
    void anEndpointFailingContinuouslyForDisableAfterIsDisabledAndItsActionHeldNotFailed() throws Exception {
        receiver.receiver().respondWith(r -> Response.status(503));
        String url = receiver.url("/down");
        long[] schedule = new long[40];
        java.util.Arrays.fill(schedule, 200);
        NewAction a = Outboxes.action("orders", "1", hook(url, schedule), 1);
        Outboxes.enqueue(db, List.of(a));
        start(config().withDisableAfter(Duration.ofSeconds(1)));

        patiently().until(() -> "disabled".equals(endpointState(url)) && held(a));
        assertThat(status(a)).isEqualTo("pending");
        assertThat(endpointReason(url)).contains("failed continuously since").contains("delivery.disable-after")
                .contains("503");
        assertThat(attempts(a)).as("more than one attempt, all retries").isNotEmpty()
                .allMatch(s -> s.endsWith("retry 503"));
    }

    @Test
    void aSuccessClearsAnEndpointsFailingSince() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        receiver.receiver().respondWith(r -> down.get() ? Response.status(503) : Response.status(200));
        String url = receiver.url("/flaky");
        long[] schedule = new long[60];
        java.util.Arrays.fill(schedule, 200);
        NewAction a = Outboxes.action("orders", "1", hook(url, schedule), 1);
        Outboxes.enqueue(db, List.of(a));
        start(config());

        patiently().until(() -> PG.count("startyhook.endpoint WHERE failing_since IS NOT NULL") == 1);
        down.set(false);
        patiently().until(() -> "delivered".equals(status(a)));
        patiently().until(() -> PG.count("startyhook.endpoint WHERE failing_since IS NULL AND state = 'enabled'") == 1);
    }

    @Test
    void aPausedFlowIsHeldWhileEnqueueingGoesOnAndResumingDeliversEveryActionInOrder() throws Exception {
        receiver.receiver().respondWith(r -> Response.status(200));
        String url = receiver.url("/paused");
        Holds holds = new Holds(db);
        NewAction before = Outboxes.action("orders", "1", hook(url, 50), 1);
        Outboxes.enqueue(db, List.of(before)); // pending when the flow is paused
        assertThat(holds.pause("orders", "test")).isEqualTo(new Holds.Change(true, 1, 0));
        assertThat(holds.pause("orders", "test").changed()).as("already paused").isFalse();
        assertThat(held(before)).isTrue();
        start(config());
        List<NewAction> during = List.of(Outboxes.action("orders", "1", hook(url, 50), 2),
                Outboxes.action("orders", "2", hook(url, 50), 3), Outboxes.action("orders", "1", hook(url, 50), 4));
        Outboxes.enqueue(db, during);
        NewAction other = Outboxes.action("invoices", "1", hook(receiver.url("/other"), 50), 5);
        Outboxes.enqueue(db, List.of(other));

        patiently().until(() -> "delivered".equals(status(other)));
        assertThat(during).allMatch(HeldDeliveriesIT::held);
        assertThat(held(before)).isTrue();
        assertThat(receiver.receiver().requests()).as("nothing of the paused flow was sent")
                .noneMatch(r -> r.path().equals("/paused"));
        assertThat(holds.paused()).singleElement().satisfies(p -> {
            assertThat(p.flow()).isEqualTo("orders");
            assertThat(p.held()).isEqualTo(4);
            assertThat(p.pausedBy()).isEqualTo("test");
        });

        assertThat(holds.resume("orders")).isEqualTo(new Holds.Change(true, 4, 0));
        assertThat(holds.resume("orders").changed()).as("not paused any more").isFalse();
        patiently().until(() -> status(before).equals("delivered")
                && during.stream().allMatch(a -> "delivered".equals(status(a))));
        assertThat(seqsOfElement("/paused", "1")).containsExactly(1, 2, 4);
        assertThat(seqsOfElement("/paused", "2")).containsExactly(3);
    }

    @Test
    void anAttemptUnderWayWhenItsFlowIsPausedFinishesAndItsRetryIsHeld() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        receiver.receiver().respondWith(r -> {
            arrived.countDown();
            try {
                answer.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Response.status(503);
        });
        NewAction a = Outboxes.action("orders", "1", hook(receiver.url("/slow"), 50, 50), 1);
        Outboxes.enqueue(db, List.of(a));
        start(config());
        assertThat(arrived.await(60, TimeUnit.SECONDS)).as("the attempt reached the receiver").isTrue();
        new Holds(db).pause("orders", "test");
        answer.countDown();

        patiently().until(() -> attempts(a).size() == 1);
        assertThat(attempts(a)).containsExactly("1 retry 503");
        assertThat(held(a)).as("its retry is held while the flow is paused").isTrue();
    }

    @Test
    void outboxRetryOfAnActionOfAPausedFlowKeepsItHeld() throws Exception {
        NewAction a = Outboxes.action("orders", "1", hook(receiver.url("/x"), 50), 1);
        Outboxes.enqueue(db, List.of(a));
        PG.execute("UPDATE startyhook.action SET status = 'failed' WHERE message_id = '" + a.messageId() + "'");
        new Holds(db).pause("orders", "test");
        long id = ((Number) PG.queryValue("SELECT id FROM startyhook.action WHERE message_id = '" + a.messageId()
                + "'")).longValue();

        assertThat(new OutboxRepository(db).retry(List.of(id))).singleElement()
                .satisfies(c -> assertThat(c.to()).isEqualTo("pending"));
        assertThat(held(a)).isTrue();
        new Holds(db).resume("orders");
        assertThat(held(a)).isFalse();
    }

    @Test
    void anEnqueueUnderWayWhenItsFlowIsPausedIsHeldOnceItCommits() throws Exception {
        NewAction a = Outboxes.action("orders", "1", hook(receiver.url("/x"), 50), 1);
        try (java.sql.Connection enqueue = db.connection()) {
            enqueue.setAutoCommit(false);
            new com.startyhook.outbox.OutboxWriter(db).enqueue(enqueue, List.of(a)); // before the pause: not held
            java.util.concurrent.CompletableFuture<Holds.Change> pause = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return new Holds(db).pause("orders", "test");
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            patiently().until(() -> PG.count("startyhook.flow_pause") == 1);
            assertThat(pause).as("the pause waits for the enqueue that began before it").isNotDone();
            enqueue.commit();
            assertThat(pause.get(60, TimeUnit.SECONDS)).isEqualTo(new Holds.Change(true, 1, 0));
        }
        assertThat(held(a)).as("held by the pause's second pass").isTrue();

        // and the other way round: enqueued held while the flow is being resumed, released
        NewAction b = Outboxes.action("orders", "2", hook(receiver.url("/x"), 50), 2);
        try (java.sql.Connection enqueue = db.connection()) {
            enqueue.setAutoCommit(false);
            new com.startyhook.outbox.OutboxWriter(db).enqueue(enqueue, List.of(b)); // held: the flow is paused
            java.util.concurrent.CompletableFuture<Holds.Change> resume = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return new Holds(db).resume("orders");
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            patiently().until(() -> PG.count("startyhook.flow_pause") == 0);
            assertThat(resume).isNotDone();
            enqueue.commit();
            assertThat(resume.get(60, TimeUnit.SECONDS)).isEqualTo(new Holds.Change(true, 2, 0));
        }
        assertThat(held(a)).isFalse();
        assertThat(held(b)).as("released by the resume's second pass").isFalse();
    }

    static boolean held(NewAction a) {
        return ActionState.held(PG, a);
    }

    static String status(NewAction a) {
        return ActionState.status(PG, a);
    }

    static List<String> attempts(NewAction a) {
        return ActionState.attempts(PG, a);
    }

    static String endpointState(String url) throws Exception {
        return (String) PG.queryValue("SELECT state FROM startyhook.endpoint WHERE url = '" + url + "'");
    }

    static String endpointReason(String url) throws Exception {
        return (String) PG.queryValue("SELECT reason FROM startyhook.endpoint WHERE url = '" + url + "'");
    }

    /** The seq of each request to {@code path} for {@code element}, in arrival order. */
    List<Integer> seqsOfElement(String path, String element) {
        List<Integer> seqs = new ArrayList<>();
        for (Request r : receiver.receiver().requests()) {
            String body = r.bodyText();
            if (r.path().equals(path) && body.contains("\"id\":\"" + element + "\"")) {
                seqs.add(Integer.parseInt(body.replaceAll(".*\"seq\":(\\d+).*", "$1")));
            }
        }
        return seqs;
    }
}
