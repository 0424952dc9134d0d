package com.startyhook.fault;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.receiver.SelfSignedCertificate;
import com.startyhook.signing.SignatureVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The receiving system of a fault test: a real HTTPS receiver that can be taken down and brought
 * back on the same port with the same certificate, answers as the test's policy says, checks every
 * signature, and deduplicates on {@code X-StartyHook-Id} the way the README tells receivers to —
 * while counting every copy it accepted, so duplicates (allowed, at-least-once) are measured.
 */
final class FaultReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One delivered action, as the receiver deduplicates it. */
    record Delivered(String messageId, String workflow, String elementId, String event, Instant firstAcceptedAt) {}

    /** One request as it arrived, with the answer it got (for ordering checks). */
    record Seen(String messageId, String workflow, String elementId, int status, Instant at) {}

    private final SelfSignedCertificate certificate = SelfSignedCertificate.generate();
    private final byte[] secret;
    private final SignatureVerifier verifier = new SignatureVerifier();
    private final Map<String, Delivered> delivered = new ConcurrentHashMap<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final List<String> invalid = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Response> policy = r -> Response.status(200);
    private final int port;
    private final Path caBundle;
    private HttpsReceiver server;

    FaultReceiver(String secret, Path directory) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.caBundle = certificate.writeCertificatePem(directory.resolve("receiver-ca.pem"));
        this.server = HttpsReceiver.start(0, certificate);
        this.port = server.port();
        server.respondWith(this::answer);
    }

    /** What to answer; 2xx answers count as accepted (and the receiver acts on them even if the answer comes too late). */
    void respondWith(Function<Request, Response> policy) {
        this.policy = policy;
    }

    private Response answer(Request r) {
        Response response = policy.apply(r);
        String id = r.header("X-StartyHook-Id");
        String workflow = null;
        String element = null;
        String event = null;
        try {
            JsonNode body = JSON.readTree(r.body());
            workflow = body.path("workflow").asText(null);
            element = body.path("id").asText(null);
            event = body.path("event").asText(null);
        } catch (IOException e) {
            invalid.add("unreadable body of " + id + ": " + e.getMessage());
        }
        SignatureVerifier.Result check = verifier.verify(secret, r.body(), r.header("X-StartyHook-Timestamp"),
                r.header("X-StartyHook-Signature"));
        if (!check.valid()) {
            invalid.add(id + ": " + check.reason());
        }
        seen.add(new Seen(id, workflow, element, response.status(), Instant.now()));
        if (response.status() >= 200 && response.status() < 300 && id != null) {
            accepted.incrementAndGet();
            String w = workflow;
            String el = element;
            String ev = event;
            delivered.computeIfAbsent(id, k -> new Delivered(k, w, el, ev, Instant.now()));
        } else {
            refused.incrementAndGet();
        }
        return response;
    }

    /** Takes the receiver down: connections are refused until {@link #up()}. */
    synchronized void down() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Brings it back on the same port with the same certificate. */
    synchronized void up() {
        if (server == null) {
            // the port may linger a moment after the previous server let go of it
            HttpsReceiver[] started = new HttpsReceiver[1];
            await("receiver back on port " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> {
                        started[0] = HttpsReceiver.start(port, certificate);
                        return true;
                    });
            server = started[0];
            server.respondWith(this::answer);
        }
    }

    String url(String path) {
        return "https://localhost:" + port + path;
    }

    Path caBundle() {
        return caBundle;
    }

    /** Distinct actions delivered, by message id. */
    Map<String, Delivered> delivered() {
        return new HashMap<>(delivered);
    }

    /** Distinct message ids delivered per {@code workflow|element}. */
    Map<String, Integer> distinctByFlowAndElement() {
        Map<String, Integer> m = new HashMap<>();
        for (Delivered d : delivered.values()) {
            m.merge(d.workflow() + "|" + d.elementId(), 1, Integer::sum);
        }
        return m;
    }

    /** Every copy accepted (2xx), before deduplication. */
    long acceptedCopies() {
        return accepted.get();
    }

    /** Copies accepted beyond the first of each message id. */
    long duplicates() {
        return accepted.get() - delivered.size();
    }

    /** When each accepted copy beyond the first of a message id arrived, in order. */
    List<Instant> duplicateTimes() {
        java.util.Set<String> first = new java.util.HashSet<>();
        List<Instant> out = new ArrayList<>();
        for (Seen s : seen()) {
            if (s.status() >= 200 && s.status() < 300 && s.messageId() != null && !first.add(s.messageId())) {
                out.add(s.at());
            }
        }
        return out;
    }

    long refusedRequests() {
        return refused.get();
    }

    List<String> invalidSignatures() {
        return new ArrayList<>(invalid);
    }

    List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    @Override
    public synchronized void close() {
        down();
    }
}
