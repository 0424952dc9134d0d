package com.startyhook.signing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * How one action is signed: its wire scheme and its secret references, newest first (never secret
 * values). Stored in the outbox's {@code secret_ref} column: a single reference ({@code env:NAME})
 * for the default (seed scheme, one secret), which is what every action held before schemes and
 * rotation existed, and otherwise a JSON object
 * {@code {"scheme":"standard-webhooks","secrets":["env:NEW","env:OLD"]}}.
 */
public record SigningRef(WireScheme scheme, List<String> secrets) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public SigningRef {
        if (scheme == null) {
            throw new IllegalArgumentException("a signing scheme is required");
        }
        secrets = List.copyOf(secrets);
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret reference is required");
        }
    }

    /** One secret, seed scheme. */
    public static SigningRef seed(String secretRef) {
        return new SigningRef(WireScheme.SEED, List.of(secretRef));
    }

    /** The newest secret's reference. */
    public String newest() {
        return secrets.get(0);
    }

    /** The form stored in {@code action.secret_ref}. */
    public String encode() {
        if (scheme == WireScheme.SEED && secrets.size() == 1) {
            return secrets.get(0);
        }
        ObjectNode root = JSON.createObjectNode().put("scheme", scheme.id());
        ArrayNode list = root.putArray("secrets");
        secrets.forEach(list::add);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a stored {@code secret_ref}; a plain reference is the seed scheme with one secret. */
    public static SigningRef decode(String stored) {
        if (stored == null || !stored.startsWith("{")) {
            return seed(stored);
        }
        try {
            JsonNode root = JSON.readTree(stored);
            WireScheme scheme = WireScheme.of(root.path("scheme").asText(null))
                    .orElseThrow(() -> new IllegalArgumentException("unknown scheme " + root.path("scheme")));
            List<String> refs = new ArrayList<>();
            root.path("secrets").forEach(n -> refs.add(n.asText()));
            return new SigningRef(scheme, refs);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("secret_ref is neither a reference nor a signing object", e);
        }
    }

    /** For listings: "env:A" or "standard-webhooks: env:NEW, env:OLD". */
    public String describe() {
        return (scheme == WireScheme.SEED ? "" : scheme.id() + ": ") + String.join(", ", secrets);
    }
}
