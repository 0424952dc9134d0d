package com.startyhook.signing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook bodies exactly as the README's wire protocol says: lowercase hex of
 * HMAC-SHA256(secret UTF-8 bytes, bodyBytes ‖ timestampBytes). Stateless: a new {@link Mac} per
 * call, since a {@code Mac} is not thread-safe.
 */
public final class Signer {
    static final String ALGORITHM = "HmacSHA256";

    private Signer() {}

    /** The signature of {@code body} sent with the {@code X-StartyHook-Timestamp} value {@code timestamp}. */
    public static String sign(byte[] secret, byte[] body, String timestamp) {
        return HexFormat.of().formatHex(mac(secret, body, timestamp));
    }

    static byte[] mac(byte[] secret, byte[] body, String timestamp) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            mac.update(body);
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            // HmacSHA256 is mandatory in every JDK; an empty key is refused earlier by Secrets
            throw new IllegalStateException("HMAC-SHA256 is not available: " + e.getMessage(), e);
        }
    }
}
