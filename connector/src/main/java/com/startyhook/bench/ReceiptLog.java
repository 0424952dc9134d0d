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

    ReceiptLog(byte[] secret) {
        this.secret = secret.clone();
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
            JsonNode payload = JSON.readTree(request.body());
            String workflow = payload.path("workflow").asText();
            byWorkflow.computeIfAbsent(workflow, w -> new AtomicLong()).incrementAndGet();
            firstReceipt.putIfAbsent(key(workflow, payload.path("id").asText()), now);
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
