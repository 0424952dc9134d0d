package com.startyhook.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.signing.SignatureVerifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The demo's webhook receiver: a local HTTPS server ({@link HttpsReceiver}) that checks each
 * request's signature with {@link SignatureVerifier}, deduplicates on {@code X-StartyHook-Id} as
 * the README's wire protocol tells receivers to, answers 200, and counts what arrived. An invalid signature is
 * answered 200 too (the demo reports it loudly and fails at the end rather than retrying it).
 */
public final class DemoReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One received webhook, as the demo prints it. */
    public record Webhook(Instant receivedAt, String actionId, String workflow, String event, String entity,
            String elementId, boolean valid, String reason, boolean duplicate) {}

    private final HttpsReceiver receiver;
    private final byte[] secret;
    private final SignatureVerifier verifier = new SignatureVerifier();
    private final Consumer<Webhook> listener;
    private final Map<String, Boolean> verifiedById = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> byFlowAndEvent = new ConcurrentHashMap<>();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicReference<Instant> firstVerified = new AtomicReference<>();

    private DemoReceiver(byte[] secret, Consumer<Webhook> listener) {
        this.secret = secret.clone();
        this.listener = listener;
        this.receiver = HttpsReceiver.start(0);
        receiver.respondWith(this::receive);
        receiver.onRequest(r -> receiver.clear()); // counted already: keep no bodies in memory
    }

    /** Starts a receiver on a free port of 127.0.0.1 that verifies with {@code secret}. */
    public static DemoReceiver start(byte[] secret, Consumer<Webhook> listener) {
        return new DemoReceiver(secret, listener);
    }

    private Response receive(Request r) {
        String id = r.header("X-StartyHook-Id");
        SignatureVerifier.Result check = id == null || id.isBlank()
                ? new SignatureVerifier.Result(false, "missing X-StartyHook-Id")
                : verifier.verify(secret, r.body(), r.header("X-StartyHook-Timestamp"), r.header("X-StartyHook-Signature"));
        String workflow = "?";
        String event = r.header("X-StartyHook-Event");
        String entity = "?";
        String element = "?";
        try {
            JsonNode body = JSON.readTree(r.body());
            workflow = body.path("workflow").asText("?");
            event = body.path("event").asText(event);
            entity = body.path("entity").asText("?");
            element = body.path("id").asText("?");
        } catch (IOException e) {
            workflow = "(body is not JSON)";
        }
        boolean duplicate = false;
        if (!check.valid()) {
            invalid.incrementAndGet();
        }
        if (id != null && !id.isBlank()) {
            Boolean before = verifiedById.putIfAbsent(id, check.valid());
            duplicate = before != null;
            if (duplicate) {
                duplicates.incrementAndGet();
                if (check.valid()) {
                    verifiedById.put(id, true);
                }
            } else {
                byFlowAndEvent.computeIfAbsent(workflow + " " + event, k -> new AtomicLong()).incrementAndGet();
            }
            if (check.valid()) {
                firstVerified.compareAndSet(null, r.receivedAt());
            }
        }
        listener.accept(new Webhook(r.receivedAt(), id, workflow, event, entity, element, check.valid(),
                check.reason(), duplicate));
        return Response.status(200);
    }

    public int port() {
        return receiver.port();
    }

    /** Writes the receiver's self-signed certificate, the connector's CA bundle. */
    public Path writeCertificate(Path file) {
        return receiver.certificate().writeCertificatePem(file);
    }

    /** Distinct {@code X-StartyHook-Id}s received (and answered 200). */
    public long delivered() {
        return verifiedById.size();
    }

    /** Distinct ids of which a copy carried a valid signature. */
    public long verified() {
        return verifiedById.values().stream().filter(Boolean::booleanValue).count();
    }

    /** Requests whose signature (or id) did not verify. */
    public long invalidSignatures() {
        return invalid.get();
    }

    /** Requests with an id already received (a retry the connector made without seeing the 200). */
    public long duplicates() {
        return duplicates.get();
    }

    /** Distinct webhooks by "workflow event", sorted. */
    public Map<String, Long> byFlowAndEvent() {
        Map<String, Long> m = new TreeMap<>();
        byFlowAndEvent.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    public Optional<Instant> firstVerifiedAt() {
        return Optional.ofNullable(firstVerified.get());
    }

    @Override
    public void close() {
        receiver.close();
    }
}
