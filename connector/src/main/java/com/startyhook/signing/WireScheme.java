package com.startyhook.signing;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a webhook is signed and which headers carry the signature.
 *
 * <ul>
 *   <li>{@link #SEED}: the connector's own format, the default: {@code X-StartyHook-Timestamp},
 *       {@code X-StartyHook-Signature} = lower-case hex of HMAC-SHA256(secret, body ‖ timestamp),
 *       {@code X-StartyHook-Id}; the key is the secret's UTF-8 bytes.</li>
 *   <li>{@link #STANDARD_WEBHOOKS}: the Standard Webhooks specification: {@code webhook-id},
 *       {@code webhook-timestamp}, {@code webhook-signature} = {@code v1,} + base64 of
 *       HMAC-SHA256(key, id.timestamp.body); the key is the base64-decoded part of a
 *       {@code whsec_…} secret, or the secret's UTF-8 bytes otherwise.</li>
 * </ul>
 * With several secrets (rotation) both carry one signature per secret, space-separated, newest first.
 */
public enum WireScheme {
    SEED("seed"),
    STANDARD_WEBHOOKS("standard-webhooks");

    /** The prefix that marks a Standard Webhooks secret serialised as base64. */
    public static final String WHSEC_PREFIX = "whsec_";

    private final String id;

    WireScheme(String id) {
        this.id = id;
    }

    /** The name used in flow files, the outbox and on the command line. */
    public String id() {
        return id;
    }

    public static Optional<WireScheme> of(String id) {
        if (id == null) {
            return Optional.empty();
        }
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.id.equals(wanted)).findFirst();
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(WireScheme::id).toList();
    }

    /**
     * The HMAC key for a resolved secret: its UTF-8 bytes, except a Standard Webhooks
     * {@code whsec_…} secret, whose base64 part is decoded. {@code reference} names the secret in
     * the error (never the value).
     */
    public byte[] key(byte[] secret, String reference) {
        if (this == STANDARD_WEBHOOKS && startsWith(secret, WHSEC_PREFIX)) {
            String base64 = new String(secret, WHSEC_PREFIX.length(), secret.length - WHSEC_PREFIX.length(),
                    java.nio.charset.StandardCharsets.US_ASCII);
            byte[] key;
            try {
                key = java.util.Base64.getDecoder().decode(base64.trim());
            } catch (IllegalArgumentException e) {
                throw new com.startyhook.ConfigurationException("secret " + reference + " starts with " + WHSEC_PREFIX
                        + " but the rest is not base64; write whsec_ followed by the base64 of the key");
            }
            if (key.length == 0) {
                throw new com.startyhook.ConfigurationException("secret " + reference + " is " + WHSEC_PREFIX
                        + " with an empty key");
            }
            return key;
        }
        return secret;
    }

    private static boolean startsWith(byte[] value, String prefix) {
        if (value.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (value[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
