package com.startyhook.events;

import static com.startyhook.events.TestRules.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureEngine;
import com.startyhook.capture.CaptureSource;
import com.startyhook.delivery.DeliveryConfig;
import com.startyhook.delivery.DeliveryService;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.rules.EventType;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import com.startyhook.rules.OrganizationScope;
import com.startyhook.rules.Rules;
import com.startyhook.rules.WebhookAction;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * delivery.handoff end to end: the actions the capture enqueues go to this process's delivery workers without a claim,
 * each once, the second action of an element only after the first.
 */
class CaptureHandoffIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();

    @Test
    void capturedActionsAreHandedOverToTheWorkersOfTheProcessAndDeliveredOnce() throws Exception {
        WebhookAction hook = new WebhookAction(URI.create(receiver.url("/hook")), "env:HOOK_SECRET", Map.of(),
                Duration.ofSeconds(5), WebhookAction.DEFAULT_RETRY_SCHEDULE);
        Flow updated = flow("product-updated", PRODUCT, on(EventType.UPDATE), List.of(), OrganizationScope.ALL,
                ExecutionMode.EVERY_TIME, List.of(hook), "hash-product-updated");
        Rules rules = rules(updated);
        PG.execute("INSERT INTO erp.product (id, organization_id, sku, name) SELECT g, 1, 'S' || g, 'P' || g"
                + " FROM generate_series(1, 30) g");
        MeterRegistry meters = new SimpleMeterRegistry();
        try (Database db = PG.connectorDatabase(8);
                DeliveryService delivery = new DeliveryService(db, DeliveryConfig.defaults()
                        .withCaBundle(receiver.caBundle()).withPollInterval(Duration.ofMillis(200))
                        .withAllowedPrivateHosts(com.startyhook.net.AddressPolicy.parse("localhost")),
                        new Secrets(Map.of("HOOK_SECRET", "s3cret")), Clock.systemUTC(), meters, "here");
                EventService events = new EventService(db, new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()),
                        CaptureConfig.defaults(), delivery::wakeUp, Clock.systemUTC())) {
            new Activations(db).activate(updated.name(), updated.contentHash(), "test");
            delivery.start();
            events.handoff(delivery);
            events.apply(rules, new Activations(db).all());
            events.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> events.status().state() == CaptureEngine.State.RUNNING);

            PG.execute("UPDATE erp.product SET price = 1 WHERE id BETWEEN 1 AND 30");
            PG.execute("UPDATE erp.product SET price = 2 WHERE id = 1");

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> PG.count("startyhook.action WHERE status = 'delivered'") == 31);
            double handedOver = meters.counter("startyhook.delivery.claimed", "way", "handoff").count();
            double claimed = meters.counter("startyhook.delivery.claimed", "way", "claim").count();
            assertThat(handedOver).as("every action of the first transaction is the head of its element")
                    .isGreaterThanOrEqualTo(30.0);
            assertThat(handedOver + claimed).isEqualTo(31.0);
            List<Request> requests = receiver.receiver().requests();
            assertThat(requests).hasSize(31);
            assertThat(requests.stream().map(r -> r.header("X-StartyHook-Id")).collect(Collectors.toSet()))
                    .hasSize(31);
            assertThat(PG.count("startyhook.attempt WHERE outcome = 'delivered' AND worker LIKE 'here/w%'"))
                    .isEqualTo(31);
            List<String> order = requests.stream().map(r -> r.header("X-StartyHook-Id")).toList();
            Object first = PG.queryValue("SELECT message_id::text FROM startyhook.action WHERE element_id = '1'"
                    + " ORDER BY id LIMIT 1");
            Object second = PG.queryValue("SELECT message_id::text FROM startyhook.action WHERE element_id = '1'"
                    + " ORDER BY id OFFSET 1 LIMIT 1");
            assertThat(order.indexOf(second.toString())).as("element 1's second action after its first")
                    .isGreaterThan(order.indexOf(first.toString()));
        }
    }
}
