package com.startyhook.signing;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Checks a received webhook the way the README tells receivers to: recompute the HMAC over the raw
 * body and the signed headers, compare in constant time (seed scheme: ignoring the hex case), accept
 * any one of several signatures (secret rotation), and refuse timestamps further than a tolerance
 * from now (replays). Used by {@code verify} and {@code listen}.
 */
public final class SignatureVerifier {
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    /** The outcome; {@code reason} says why a signature is not valid ("valid" when it is). */
    public record Result(boolean valid, String reason) {
        static Result ok() {
            return new Result(true, "valid");
        }

        static Result invalid(String reason) {
            return new Result(false, reason);
        }
    }

    private final Duration tolerance;
    private final Clock clock;

    /** @param tolerance how far the timestamp may be from now; null disables the check */
    public SignatureVerifier(Duration tolerance, Clock clock) {
        if (tolerance != null && tolerance.isNegative()) {
            throw new IllegalArgumentException("signature tolerance must not be negative, got " + tolerance);
        }
        this.tolerance = tolerance;
        this.clock = clock;
    }

    public SignatureVerifier() {
        this(DEFAULT_TOLERANCE, Clock.systemUTC());
    }

    /**
     * Checks a seed-scheme delivery: {@code signature} is the {@code X-StartyHook-Signature} value,
     * one hex signature or several separated by spaces (during a secret rotation); valid when one
     * of them is the HMAC made with {@code secret}.
     */
    public Result verify(byte[] secret, byte[] body, String timestamp, String signature) {
        if (timestamp == null || timestamp.isBlank()) {
            return Result.invalid("missing X-StartyHook-Timestamp");
        }
        if (signature == null || signature.isBlank()) {
            return Result.invalid("missing X-StartyHook-Signature");
        }
        Result time = checkTimestamp(timestamp);
        if (time != null && !time.valid() && time.reason().contains("not Unix seconds")) {
            return time;
        }
        // the HMAC covers the header value exactly as received
        byte[] expected = Signer.mac(secret, body, timestamp);
        boolean anyHex = false;
        boolean match = false;
        for (String candidate : signature.trim().split("\\s+")) {
            byte[] given;
            try {
                given = HexFormat.of().parseHex(candidate.toLowerCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                continue;
            }
            anyHex = true;
            match |= MessageDigest.isEqual(expected, given);
        }
        if (!anyHex) {
            return Result.invalid("signature is not hexadecimal");
        }
        if (!match) {
            return Result.invalid("signature does not match (wrong secret, or body/timestamp altered)");
        }
        return time == null ? Result.ok() : time;
    }

    /**
     * Checks a Standard Webhooks delivery: {@code signatures} is the {@code webhook-signature}
     * value, a space-separated list of {@code v1,<base64>}; valid when one {@code v1} signature is
     * the HMAC of {@code id.timestamp.body} made with {@code key} (see {@link WireScheme#key}).
     * Signatures of other versions are ignored, as the specification asks.
     */
    public Result verifyStandard(byte[] key, byte[] body, String id, String timestamp, String signatures) {
        if (id == null || id.isBlank()) {
            return Result.invalid("missing webhook-id");
        }
        if (timestamp == null || timestamp.isBlank()) {
            return Result.invalid("missing webhook-timestamp");
        }
        if (signatures == null || signatures.isBlank()) {
            return Result.invalid("missing webhook-signature");
        }
        Result time = checkTimestamp(timestamp);
        if (time != null && !time.valid() && time.reason().contains("not Unix seconds")) {
            return time;
        }
        byte[] expected = StandardWebhooks.mac(key, id, timestamp, body);
        boolean anyV1 = false;
        boolean match = false;
        for (String versioned : signatures.trim().split("\\s+")) {
            int comma = versioned.indexOf(',');
            if (comma < 0 || !versioned.substring(0, comma).equals(StandardWebhooks.VERSION)) {
                continue;
            }
            anyV1 = true;
            byte[] given;
            try {
                given = java.util.Base64.getDecoder().decode(versioned.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            match |= MessageDigest.isEqual(expected, given);
        }
        if (!anyV1) {
            return Result.invalid("no v1 signature in webhook-signature");
        }
        if (!match) {
            return Result.invalid("no signature matches (wrong secret, or id/timestamp/body altered)");
        }
        return time == null ? Result.ok() : time;
    }

    /** Null when the timestamp is fine (or not checked), else why not. */
    private Result checkTimestamp(String timestamp) {
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Result.invalid("timestamp '" + timestamp + "' is not Unix seconds");
        }
        if (tolerance != null) {
            Duration age = Duration.between(Instant.ofEpochSecond(seconds), clock.instant());
            if (age.abs().compareTo(tolerance) > 0) {
                return Result.invalid("timestamp " + timestamp + " is " + age.abs().toSeconds()
                        + " s from now, outside the tolerance of " + tolerance.toSeconds() + " s (replay?)");
            }
        }
        return null;
    }
}
