package com.startyhook.delivery;

import static com.startyhook.delivery.Outboxes.action;
import static com.startyhook.delivery.Outboxes.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.outbox.Handoff;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxWriter;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * delivery.handoff: the actions an enqueue of this process inserts leased to one of its workers are sent without a
 * claim, once each, only after the commit; a rollback hands nothing over; a process that dies after the commit leaves
 * them to another process once the lease has run out.
 */
class HandoffIT {
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
        return DeliveryServices.toLocalReceiver(receiver).withLease(Duration.ofSeconds(2));
    }

    DeliveryService start(DeliveryConfig config, MeterRegistry meters, String instance) {
        return services.start(db, config, meters, instance);
    }

    static double taken(MeterRegistry meters, String way) {
        return meters.counter("startyhook.delivery.claimed", "way", way).count();
    }

    List<NewAction> actions(int elements) {
        List<NewAction> actions = new ArrayList<>();
        for (int i = 1; i <= elements; i++) {
            actions.add(action("handoff", Integer.toString(i), webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 1));
        }
        return actions;
    }

    Set<String> receivedIds() {
        return receiver.receiver().requests().stream().map(r -> r.header("X-StartyHook-Id")).collect(Collectors.toSet());
    }

    @Test
    void actionsDueAtOnceAreDeliveredOnceWithoutAClaimAndTheNextOfAnElementAfterIt() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        DeliveryService delivery = start(config(), meters, "here");
        List<NewAction> actions = actions(20);
        // a second action of element 1 waits behind the first: it is not the head of its element, so not leased
        NewAction second = action("handoff", "1", webhook(receiver.url("/hook"), Duration.ofSeconds(5)), 2);
        actions.add(second);

        Handoff.Grant grant = delivery.reserve(actions.size());
        assertThat(grant).isNotNull();
        assertThat(grant.owners()).hasSize(21).allMatch(o -> o.startsWith("here/w"));
        List<Handoff.Leased> leased = new ArrayList<>();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            assertThat(new OutboxWriter(db).enqueue(c, actions, grant, leased)).isEqualTo(21);
            c.commit();
        }
        assertThat(leased).hasSize(20);
        assertThat(leased).extracting(Handoff.Leased::messageId).doesNotContain(second.messageId());
        // until it is handed over, a leased action looks exactly like a claimed one
        assertThat(PG.count("startyhook.action WHERE status = 'delivering' AND lease_owner LIKE 'here/w%'"
                + " AND lease_expires_at > now() AND attempts = 0")).isEqualTo(20);
        assertThat(leased).extracting(Handoff.Leased::owner).isEqualTo(grant.owners().subList(0, 20));
        assertThat(PG.count("startyhook.action WHERE status = 'pending' AND waiting")).isEqualTo(1);
        assertThat(receiver.receiver().requests()).isEmpty();

        delivery.handOver(grant, leased);

        await().atMost(Duration.ofSeconds(60)).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 21);
        assertThat(taken(meters, "handoff")).isEqualTo(20.0);
        assertThat(taken(meters, "claim")).as("only the waiting action is claimed").isEqualTo(1.0);
        List<Request> requests = receiver.receiver().requests();
        assertThat(requests).hasSize(21);
        assertThat(receivedIds()).hasSize(21)
                .isEqualTo(actions.stream().map(a -> a.messageId().toString()).collect(Collectors.toSet()));
        assertThat(PG.count("startyhook.attempt WHERE outcome = 'delivered' AND worker LIKE 'here/w%'")).isEqualTo(21);
        // element 1's second action went out after its first had been delivered
        Request first = requests.stream().filter(r -> r.header("X-StartyHook-Id").equals(actions.get(0).messageId()
                .toString())).findFirst().orElseThrow();
        Request next = requests.stream().filter(r -> r.header("X-StartyHook-Id").equals(second.messageId().toString()))
                .findFirst().orElseThrow();
        assertThat(requests.indexOf(next)).isGreaterThan(requests.indexOf(first));
        assertThat(PG.count("startyhook.action WHERE lease_owner IS NOT NULL")).isZero();
    }

    @Test
    void aRolledBackEnqueueHandsNothingOverAndGivesItsRoomBack() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        DeliveryService delivery = start(config(), meters, "here");
        Handoff.Grant whole = delivery.reserve(10_000);
        int room = whole.capacity();
        delivery.cancel(whole);

        Handoff.Grant grant = delivery.reserve(5);
        List<Handoff.Leased> leased = new ArrayList<>();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            new OutboxWriter(db).enqueue(c, actions(5), grant, leased);
            c.rollback();
        }
        delivery.cancel(grant);

        assertThat(PG.count("startyhook.action")).isZero();
        Handoff.Grant again = delivery.reserve(10_000);
        assertThat(again.capacity()).as("the rolled-back enqueue's room is free again").isEqualTo(room);
        delivery.cancel(again);
        Thread.sleep(1_000); // nothing arrives: there is nothing to send
        assertThat(receiver.receiver().requests()).isEmpty();
        assertThat(taken(meters, "handoff")).isZero();
    }

    @Test
    void actionsOfAProcessThatDiedAfterTheCommitAreDeliveredOnceByAnotherAfterTheLease() throws Exception {
        DeliveryService dying = start(config(), new SimpleMeterRegistry(), "dying");
        Handoff.Grant grant = dying.reserve(8);
        List<Handoff.Leased> leased = new ArrayList<>();
        List<NewAction> actions = actions(8);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            new OutboxWriter(db).enqueue(c, actions, grant, leased);
            c.commit();
        }
        assertThat(leased).hasSize(8);
        dying.abort(); // killed between the commit and the hand-over: nothing in memory survives
        dying.handOver(grant, leased); // a hand-over that comes too late is dropped, not sent

        MeterRegistry meters = new SimpleMeterRegistry();
        start(config(), meters, "other");
        await().atMost(Duration.ofSeconds(60)).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 8);
        assertThat(receiver.receiver().requests()).hasSize(8);
        assertThat(receivedIds()).isEqualTo(actions.stream().map(a -> a.messageId().toString()).collect(Collectors.toSet()));
        assertThat(PG.count("startyhook.attempt WHERE worker LIKE 'other/w%' AND outcome = 'delivered'")).isEqualTo(8);
        assertThat(PG.count("startyhook.attempt WHERE worker LIKE 'dying/%'")).isZero();
        assertThat(taken(meters, "claim")).isEqualTo(8.0);
    }

    @Test
    void actionsHandedOverToAProcessKilledMidFlightAreSentAgainByAnotherAfterTheLease() throws Exception {
        // the receiver does not answer the first process before it is killed with its requests in flight
        java.util.concurrent.CountDownLatch killed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
        receiver.receiver().respondWith(r -> {
            arrived.incrementAndGet();
            try {
                killed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return com.startyhook.receiver.HttpsReceiver.Response.status(204);
        });
        DeliveryService dying = start(config(), new SimpleMeterRegistry(), "dying");
        Handoff.Grant grant = dying.reserve(3);
        List<Handoff.Leased> leased = new ArrayList<>();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            new OutboxWriter(db).enqueue(c, actions(3), grant, leased);
            c.commit();
        }
        dying.handOver(grant, leased);
        await().atMost(Duration.ofSeconds(30)).until(() -> arrived.get() >= 1);
        dying.abort();
        receiver.receiver().respondWith(r -> com.startyhook.receiver.HttpsReceiver.Response.status(204));
        killed.countDown();

        start(config(), new SimpleMeterRegistry(), "other");
        await().atMost(Duration.ofSeconds(60)).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 3);
        assertThat(PG.count("startyhook.attempt WHERE worker LIKE 'other/w%' AND outcome = 'delivered'"))
                .as("attempts: %s", PG.queryValue("SELECT string_agg(worker || ' ' || outcome || ' ' || action_id, ', ')"
                        + " FROM startyhook.attempt")).isEqualTo(3);
        assertThat(PG.count("startyhook.action WHERE attempts = 1")).as("each recorded once").isEqualTo(3);
        assertThat(PG.count("startyhook.attempt WHERE worker LIKE 'dying/%'")).as("a killed process records nothing")
                .isZero();
    }

    @Test
    void switchedOffEveryActionIsInsertedPendingAndClaimed() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        DeliveryService delivery = start(config().withHandoff(false), meters, "here");
        assertThat(delivery.reserve(5)).isNull();
        List<Handoff.Leased> leased = new ArrayList<>();
        try (Connection c = db.connection()) {
            new OutboxWriter(db).enqueue(c, actions(5), delivery.reserve(5), leased);
        }
        assertThat(leased).isEmpty();
        delivery.wakeUp();
        await().atMost(Duration.ofSeconds(60)).until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 5);
        assertThat(taken(meters, "claim")).isEqualTo(5.0);
        assertThat(taken(meters, "handoff")).isZero();
    }
}
