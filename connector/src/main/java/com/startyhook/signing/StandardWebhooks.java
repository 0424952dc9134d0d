package com.startyhook.signing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures of the Standard Webhooks specification (symmetric, version {@code v1}):
 * {@code v1,} + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), with the timestamp in
 * Unix seconds as sent in {@code webhook-timestamp}. Stateless.
 */
public final class StandardWebhooks {
    public static final String ID_HEADER = "webhook-id";
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";
    public static final String SIGNATURE_HEADER = "webhook-signature";
    public static final String VERSION = "v1";

    private StandardWebhooks() {}

    /** One signature, {@code v1,<base64>}. */
    public static String sign(byte[] key, String id, String timestamp, byte[] body) {
        return VERSION + "," + Base64.getEncoder().encodeToString(mac(key, id, timestamp, body));
    }

    static byte[] mac(byte[] key, String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance(Signer.ALGORITHM);
            mac.init(new SecretKeySpec(key, Signer.ALGORITHM));
            mac.update(id.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            mac.update(body);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available: " + e.getMessage(), e);
        }
    }
}
