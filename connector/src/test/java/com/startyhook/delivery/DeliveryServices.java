package com.startyhook.delivery;

import com.startyhook.net.AddressPolicy;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The delivery services a test starts, each closed after the test; and the configuration that reaches
 * the local test receiver (its CA trusted, loopback allowed, short polls and connect timeouts).
 *
 * <pre>
 * &#64;RegisterExtension
 * final DeliveryServices services = new DeliveryServices();
 * </pre>
 */
final class DeliveryServices implements AfterEachCallback {
    private final List<DeliveryService> started = new ArrayList<>();

    static DeliveryConfig toLocalReceiver(HttpsReceiverExtension receiver) {
        return DeliveryConfig.defaults().withCaBundle(receiver.caBundle()).withPollInterval(Duration.ofMillis(200))
                .withConnectTimeout(Duration.ofSeconds(1)).withAllowedPrivateHosts(AddressPolicy.parse("localhost"));
    }

    /** Starts a service on {@code db} with the test secret of {@link Outboxes}. */
    DeliveryService start(Database db, DeliveryConfig config) {
        return start(db, config, new SimpleMeterRegistry(), null);
    }

    /** The same, with its meters and instance name ({@code null}: host:pid). */
    DeliveryService start(Database db, DeliveryConfig config, MeterRegistry meters, String instance) {
        Secrets secrets = new Secrets(Map.of(Outboxes.SECRET_NAME, Outboxes.SECRET));
        DeliveryService s = instance == null ? new DeliveryService(db, config, secrets, Clock.systemUTC(), meters)
                : new DeliveryService(db, config, secrets, Clock.systemUTC(), meters, instance);
        started.add(s);
        s.start();
        return s;
    }

    /** A service the test aborted itself (a crash): not closed after the test. */
    void forget(DeliveryService s) {
        started.remove(s);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        started.forEach(DeliveryService::close);
        started.clear();
    }
}
