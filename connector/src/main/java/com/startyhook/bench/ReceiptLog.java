package com.startyhook.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.signing.SignatureVerifier;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The receiver's side of the benchmark: the first receipt time ({@link System#nanoTime()}) of every
 * webhook by {@code workflow|element id}, duplicates by {@code X-StartyHook-Id}, and signatures
 * that do not verify. Called on the receiver's threads just before it acknowledges with 200.
 */
final class ReceiptLog implements Consumer<HttpsReceiver.Request> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] secret;
    private final SignatureVerifier verifier = new SignatureVerifier();
    private final Map<String, Boolean> messageIds = new ConcurrentHashMap<>();
    private final Map<String, Long> firstReceipt = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> byWorkflow = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private volatile byte[] sampleBody;
    /** The {@code workflow|element id} key of a received body. */
    private final Function<JsonNode, String> keyOf;

    /** A log of the connector's webhooks, keyed by the payload's {@code workflow} and {@code id}. */
    ReceiptLog(byte[] secret) {
        this(secret, payload -> key(payload.path("workflow").asText(), payload.path("id").asText()));
    }

    private ReceiptLog(byte[] secret, Function<JsonNode, String> keyOf) {
        this.secret = secret.clone();
        this.keyOf = keyOf;
    }

    /**
     * A log of the peer's posts (Debezium change event values, with or without their schema) of new
     * projects, keyed as the connector's webhooks of {@link LoadGenerator#CREATED} are, so that the
     * same {@link CommitLog} tells what is missing. Transaction metadata records count as received.
     */
    static ReceiptLog ofPeer(byte[] secret) {
        return new ReceiptLog(secret, value -> {
            JsonNode event = value.has("payload") && value.has("schema") ? value.path("payload") : value;
            JsonNode id = event.path("after").path("id");
            return id.isMissingNode() || id.isNull() ? "peer-other|" + event.path("status").asText()
                    : key(LoadGenerator.CREATED, id.asText());
        });
    }

    static String key(String workflow, String elementId) {
        return workflow + '|' + elementId;
    }

    @Override
    public void accept(HttpsReceiver.Request request) {
        long now = System.nanoTime();
        received.incrementAndGet();
        if (sampleBody == null) {
            sampleBody = request.body();
        }
        String messageId = request.header("X-StartyHook-Id");
        if (messageId == null || messageIds.putIfAbsent(messageId, Boolean.TRUE) != null) {
            duplicates.incrementAndGet();
            return;
        }
        if (!verifier.verify(secret, request.body(), request.header("X-StartyHook-Timestamp"),
                request.header("X-StartyHook-Signature")).valid()) {
            invalid.incrementAndGet();
        }
        try {
            String key = keyOf.apply(JSON.readTree(request.body()));
            String workflow = key.substring(0, key.indexOf('|'));
            byWorkflow.computeIfAbsent(workflow, w -> new AtomicLong()).incrementAndGet();
            firstReceipt.putIfAbsent(key, now);
        } catch (IOException e) {
            invalid.incrementAndGet();
        }
    }

    /** When the webhook of {@code key} first arrived, or null. */
    Long receivedAt(String key) {
        return firstReceipt.get(key);
    }

    /** The body of the first webhook received (null before): a real payload to replay. */
    byte[] sampleBody() {
        return sampleBody;
    }

    long received() {
        return received.get();
    }

    long duplicates() {
        return duplicates.get();
    }

    long invalid() {
        return invalid.get();
    }

    long ofWorkflow(String workflow) {
        AtomicLong n = byWorkflow.get(workflow);
        return n == null ? 0 : n.get();
    }
}
