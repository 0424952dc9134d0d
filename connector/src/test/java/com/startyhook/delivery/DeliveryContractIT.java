package com.startyhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.net.AddressPolicy;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.Payload;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.rules.WebhookAction;
import com.startyhook.signing.Secrets;
import com.startyhook.signing.SignatureVerifier;
import com.startyhook.signing.SigningRef;
import com.startyhook.signing.WireScheme;
import com.startyhook.store.Database;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import com.startyhook.testsupport.StandardWebhooksLibrary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delivery contract with a real local HTTPS receiver: Standard Webhooks deliveries checked by
 * the official library, secret rotation, the response policy (non-retryable statuses, 410), the
 * SSRF guard at connect time, truststores in PKCS12 and JKS, the payload maximum, and truthful
 * names for connection errors.
 */
class DeliveryContractIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path dir;

    static Database db;
    final List<DeliveryService> services = new ArrayList<>();
    final Map<String, String> environment = new HashMap<>();

    static final String OLD = "whsec_" + randomKey();
    static final String NEW = "whsec_" + randomKey();

    static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(12);
    }

    @BeforeEach
    void emptyOutbox() throws Exception {
        PG.execute("TRUNCATE startyhook.action, startyhook.attempt, startyhook.endpoint, startyhook.flow_pause");
        environment.put("HOOK_OLD", OLD);
        environment.put("HOOK_NEW", NEW);
        environment.put("SEED_OLD", "old-seed-secret");
        environment.put("SEED_NEW", "new-seed-secret");
        environment.put("SEED_SAME", "new-seed-secret");
    }

    @AfterEach
    void stopServices() {
        services.forEach(DeliveryService::close);
    }

    /** The local receiver is on loopback: allowed explicitly, as an operator would. */
    DeliveryConfig config() {
        return DeliveryConfig.defaults().withCaBundle(receiver.caBundle()).withPollInterval(Duration.ofMillis(200))
                .withConnectTimeout(Duration.ofSeconds(1)).withAllowedPrivateHosts(AddressPolicy.parse("localhost"));
    }

    void start(DeliveryConfig config) {
        DeliveryService s = new DeliveryService(db, config, new Secrets(environment), Clock.systemUTC(),
                new SimpleMeterRegistry());
        services.add(s);
        s.start();
    }

    static WebhookAction webhook(String url, WireScheme scheme, List<String> secrets, long... scheduleMs) {
        List<Duration> schedule = new ArrayList<>();
        for (long ms : scheduleMs) {
            schedule.add(Duration.ofMillis(ms));
        }
        return new WebhookAction(URI.create(url), new SigningRef(scheme, secrets), Map.of(), Duration.ofSeconds(5),
                schedule);
    }

    static NewAction action(String element, WebhookAction webhook) {
        return Outboxes.action("contract", element, webhook, 1);
    }

    static Map<String, String> standardHeaders(Request r) {
        return Map.of("webhook-id", r.header("webhook-id"), "webhook-timestamp", r.header("webhook-timestamp"),
                "webhook-signature", r.header("webhook-signature"));
    }

    @Test
    void standardWebhooksDeliveriesVerifyWithTheOfficialLibraryAndKeepTheirIdAcrossRetries() throws Exception {
        StandardWebhooksLibrary library = StandardWebhooksLibrary.require();
        AtomicInteger calls = new AtomicInteger();
        receiver.receiver().respondWith(r -> calls.incrementAndGet() == 1 ? Response.status(503) : Response.status(200));
        NewAction a = action("1", webhook(receiver.url("/sw"), WireScheme.STANDARD_WEBHOOKS, List.of("env:HOOK_NEW"), 50));
        Outboxes.enqueue(db, List.of(a));
        start(config());

        await().until(() -> "delivered".equals(status(a)));
        List<Request> requests = receiver.receiver().requests();
        assertThat(requests).hasSize(2);
        for (Request r : requests) {
            assertThat(r.header("webhook-id")).as("stable across retries").isEqualTo(a.messageId().toString());
            assertThat(r.header("webhook-signature")).startsWith("v1,").doesNotContain(" ");
            assertThat(r.header("X-StartyHook-Signature")).as("one scheme per action").isNull();
            assertThat(r.bodyText()).isEqualTo(a.payload());
            assertThat(library.verify(NEW, standardHeaders(r), r.body())).as("the official library").isNull();
            assertThat(new SignatureVerifier().verifyStandard(WireScheme.STANDARD_WEBHOOKS.key(
                    NEW.getBytes(StandardCharsets.UTF_8), "env:HOOK_NEW"), r.body(), r.header("webhook-id"),
                    r.header("webhook-timestamp"), r.header("webhook-signature")).valid()).isTrue();
        }
        assertThat(library.verify(OLD, standardHeaders(requests.get(1)), requests.get(1).body()))
                .as("another secret").isNotNull();
        byte[] altered = requests.get(1).body().clone();
        altered[altered.length - 2] ^= 1;
        assertThat(library.verify(NEW, standardHeaders(requests.get(1)), altered)).as("one byte changed").isNotNull();
    }

    @Test
    void duringARotationAReceiverKnowingOnlyTheOldOrOnlyTheNewSecretVerifies() throws Exception {
        StandardWebhooksLibrary library = StandardWebhooksLibrary.require();
        NewAction standard = action("1", webhook(receiver.url("/sw"), WireScheme.STANDARD_WEBHOOKS,
                List.of("env:HOOK_NEW", "env:HOOK_OLD")));
        NewAction seed = action("2", webhook(receiver.url("/seed"), WireScheme.SEED, List.of("env:SEED_NEW", "env:SEED_OLD")));
        NewAction sameTwice = action("3", webhook(receiver.url("/same"), WireScheme.SEED,
                List.of("env:SEED_SAME", "env:SEED_NEW")));
        Outboxes.enqueue(db, List.of(standard, seed, sameTwice));
        start(config());

        await().until(() -> receiver.receiver().requests().size() == 3);
        Request sw = only("/sw");
        assertThat(sw.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(library.verify(OLD, standardHeaders(sw), sw.body())).as("receiver with the old secret").isNull();
        assertThat(library.verify(NEW, standardHeaders(sw), sw.body())).as("receiver with the new secret").isNull();

        Request s = only("/seed");
        String[] signatures = s.header("X-StartyHook-Signature").split(" ");
        assertThat(signatures).hasSize(2);
        SignatureVerifier verifier = new SignatureVerifier();
        for (String secret : List.of("old-seed-secret", "new-seed-secret")) {
            assertThat(verifier.verify(secret.getBytes(StandardCharsets.UTF_8), s.body(), s.header("X-StartyHook-Timestamp"),
                    s.header("X-StartyHook-Signature")).valid()).as(secret).isTrue();
        }
        assertThat(signatures[0]).as("newest first")
                .isEqualTo(com.startyhook.signing.Signer.sign("new-seed-secret".getBytes(StandardCharsets.UTF_8),
                        s.body(), s.header("X-StartyHook-Timestamp")));

        Request same = only("/same");
        assertThat(same.header("X-StartyHook-Signature")).as("two references to one value sign once")
                .matches("[0-9a-f]{64}");
    }

    Request only(String path) {
        List<Request> matching = receiver.receiver().requests().stream().filter(r -> r.path().equals(path)).toList();
        assertThat(matching).as(path).hasSize(1);
        return matching.get(0);
    }

    @Test
    void aDeclaredNonRetryableStatusFailsAtOnceOthersKeepTheSchedule() throws Exception {
        receiver.receiver().respondWith(r -> r.path().equals("/strict") ? Response.status(422).withBody("bad field")
                : Response.status(400).withBody("try later"));
        NewAction strict = action("1", webhook(receiver.url("/strict"), WireScheme.SEED, List.of("env:SEED_NEW"), 50, 50));
        NewAction other = action("2", webhook(receiver.url("/other"), WireScheme.SEED, List.of("env:SEED_NEW"), 50, 50));
        Outboxes.enqueue(db, List.of(strict, other));
        start(config().withNonRetryableStatuses(Set.of(422)));

        await().until(() -> "failed".equals(status(strict)) && "failed".equals(status(other)));
        assertThat(attempts(strict)).containsExactly("1 failed 422");
        assertThat(lastError(strict)).contains("422").contains("non-retryable");
        assertThat(PG.queryValue("SELECT t.response_excerpt FROM startyhook.attempt t JOIN startyhook.action a"
                + " ON a.id = t.action_id WHERE a.message_id = '" + strict.messageId() + "'")).isEqualTo("bad field");
        assertThat(attempts(other)).containsExactly("1 retry 400", "2 retry 400", "3 failed 400");
    }

    @Test
    void gone410DisablesTheEndpointAndHoldsItsActionsInsteadOfFailingThem() throws Exception {
        receiver.receiver().respondWith(r -> Response.status(410));
        String url = receiver.url("/gone");
        NewAction a = action("1", webhook(url, WireScheme.SEED, List.of("env:SEED_NEW"), 50, 50));
        Outboxes.enqueue(db, List.of(a));
        start(config());

        await().until(() -> attempts(a).size() == 1);
        assertThat(attempts(a)).containsExactly("1 retry 410");
        assertThat(status(a)).as("held, never failed").isEqualTo("pending");
        assertThat(held(a)).isTrue();
        assertThat(lastError(a)).contains("410").contains("endpoint disabled").contains("outbox enable-endpoint");
        assertThat(PG.queryValue("SELECT state FROM startyhook.endpoint WHERE url = '" + url + "'"))
                .isEqualTo("disabled");
        // an action enqueued for a disabled endpoint is held at once: never claimed, never sent
        NewAction b = action("2", webhook(url, WireScheme.SEED, List.of("env:SEED_NEW"), 50, 50));
        Outboxes.enqueue(db, List.of(b));
        assertThat(held(b)).isTrue();
    }

    @Test
    void aHostNameThatResolvesToLoopbackIsRefusedAtConnectWithoutTheAllowance() throws Exception {
        int port = URI.create(receiver.url("/")).getPort();
        NewAction byName = action("1", webhook("https://localhost:" + port + "/hook", WireScheme.SEED,
                List.of("env:SEED_NEW"), 50, 50));
        NewAction literal = action("2", webhook("https://127.0.0.1:" + port + "/hook", WireScheme.SEED,
                List.of("env:SEED_NEW"), 50, 50));
        Outboxes.enqueue(db, List.of(byName, literal));
        start(config().withAllowedPrivateHosts(AddressPolicy.strict()));

        await().until(() -> "failed".equals(status(byName)) && "failed".equals(status(literal)));
        assertThat(attempts(byName)).as("refused for good, not retried").hasSize(1);
        assertThat(lastError(byName)).contains("refused").contains("localhost resolves to")
                .contains("loopback").contains(AddressPolicy.KEY);
        assertThat(lastError(literal)).contains("127.0.0.1").contains("loopback");
        assertThat(receiver.receiver().requests()).as("nothing reached the receiver").isEmpty();
    }

    @Test
    void anAllowedRangeLetsAResolvedNameThrough() throws Exception {
        NewAction a = action("1", webhook(receiver.url("/ok"), WireScheme.SEED, List.of("env:SEED_NEW")));
        Outboxes.enqueue(db, List.of(a));
        start(config().withAllowedPrivateHosts(AddressPolicy.parse("127.0.0.0/8,::1/128")));
        await().until(() -> "delivered".equals(status(a)));
    }

    @Test
    void aPayloadAboveTheMaximumFailsAtEnqueueAndHoldsNothingBack() throws Exception {
        WebhookAction hook = webhook(receiver.url("/size"), WireScheme.SEED, List.of("env:SEED_NEW"));
        String huge = "{\"id\":\"9\",\"pad\":\"" + "x".repeat(Payload.MAX_BYTES) + "\"}";
        NewAction tooLarge = new NewAction("size:9:big:" + UUID.randomUUID(), "contract", 0, "project", "9", "7",
                "update", "manual", null, hook, huge);
        NewAction next = action("9", hook);
        Outboxes.enqueue(db, List.of(tooLarge, next));
        assertThat(status(tooLarge)).isEqualTo("failed");
        assertThat(lastError(tooLarge)).contains("flow contract").contains("element 9")
                .contains(Integer.toString(huge.length())).contains(Integer.toString(Payload.MAX_BYTES));
        start(config());

        await().until(() -> "delivered".equals(status(next)));
        assertThat(receiver.receiver().requests()).hasSize(1);
        assertThat(attempts(tooLarge)).isEmpty();
    }

    @Test
    void theCaBundleMayBeAPkcs12OrJksTruststore() throws Exception {
        environment.put("TRUST_PASSWORD", "changeit-" + UUID.randomUUID());
        for (String type : List.of("PKCS12", "JKS")) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(null, null);
            store.setCertificateEntry("receiver", receiver.receiver().certificate().certificate());
            Path file = dir.resolve("trust." + type.toLowerCase());
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, environment.get("TRUST_PASSWORD").toCharArray());
            }
            NewAction a = action(type, webhook(receiver.url("/" + type), WireScheme.SEED, List.of("env:SEED_NEW")));
            Outboxes.enqueue(db, List.of(a));
            start(config().withCaBundle(file, "env:TRUST_PASSWORD"));
            await().until(() -> "delivered".equals(status(a)));
            services.forEach(DeliveryService::close);
            services.clear();
        }
    }

    @Test
    void connectionErrorsAreNamedForWhatFailed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        NewAction refused = action("1", webhook("https://localhost:" + closedPort + "/x", WireScheme.SEED,
                List.of("env:SEED_NEW")));
        NewAction unknown = action("2", webhook("https://no-such-host.invalid/x", WireScheme.SEED, List.of("env:SEED_NEW")));
        NewAction untrusted = action("3", webhook(receiver.url("/x"), WireScheme.SEED, List.of("env:SEED_NEW")));
        // a listener that accepts TCP but never answers the TLS handshake
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            NewAction mute = action("4", webhook("https://localhost:" + silent.getLocalPort() + "/x", WireScheme.SEED,
                    List.of("env:SEED_NEW")));
            Outboxes.enqueue(db, List.of(refused, unknown, untrusted, mute));
            // no delivery.ca-bundle: the receiver's self-signed certificate is not trusted
            start(DeliveryConfig.defaults().withPollInterval(Duration.ofMillis(200))
                    .withConnectTimeout(Duration.ofSeconds(1)).withAllowedPrivateHosts(AddressPolicy.parse("localhost")));

            await().until(() -> List.of(refused, unknown, untrusted, mute).stream().allMatch(a -> {
                try {
                    return "failed".equals(status(a));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
            assertThat(lastError(refused)).startsWith("connection refused");
            assertThat(lastError(unknown)).startsWith("DNS");
            assertThat(lastError(untrusted)).startsWith("TLS handshake failed").contains("delivery.ca-bundle");
            assertThat(lastError(mute)).as("TCP accepted, TLS never answered").startsWith("TLS handshake timeout");
            for (Socket s : held) {
                s.close();
            }
        }
    }

    static String status(NewAction a) {
        return ActionState.status(PG, a);
    }

    static List<String> attempts(NewAction a) {
        return ActionState.attempts(PG, a);
    }

    static boolean held(NewAction a) {
        return ActionState.held(PG, a);
    }

    static String lastError(NewAction a) throws Exception {
        return (String) PG.queryValue("SELECT last_error FROM startyhook.action WHERE message_id = '" + a.messageId() + "'");
    }
}
