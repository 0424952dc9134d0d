package com.startyhook.signing;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

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
        Result malformed = firstMissing("X-StartyHook-Timestamp", timestamp, "X-StartyHook-Signature", signature);
        if (malformed != null || (malformed = unparseable(timestamp)) != null) {
            return malformed;
        }
        // the HMAC covers the header value exactly as received
        byte[] expected = Signer.mac(secret, body, timestamp);
        List<byte[]> given = Arrays.stream(signature.trim().split("\\s+")).map(SignatureVerifier::hexOrNull)
                .filter(Objects::nonNull).toList();
        return anyMatches(expected, given, "signature is not hexadecimal",
                "signature does not match (wrong secret, or body/timestamp altered)", timestamp);
    }

    /**
     * Checks a Standard Webhooks delivery: {@code signatures} is the {@code webhook-signature}
     * value, a space-separated list of {@code v1,<base64>}; valid when one {@code v1} signature is
     * the HMAC of {@code id.timestamp.body} made with {@code key} (see {@link WireScheme#key}).
     * Signatures of other versions are ignored, as the specification asks.
     */
    public Result verifyStandard(byte[] key, byte[] body, String id, String timestamp, String signatures) {
        Result malformed = firstMissing("webhook-id", id, "webhook-timestamp", timestamp, "webhook-signature",
                signatures);
        if (malformed != null || (malformed = unparseable(timestamp)) != null) {
            return malformed;
        }
        byte[] expected = StandardWebhooks.mac(key, id, timestamp, body);
        String prefix = StandardWebhooks.VERSION + ",";
        List<byte[]> given = Arrays.stream(signatures.trim().split("\\s+")).filter(v -> v.startsWith(prefix))
                .map(v -> base64OrEmpty(v.substring(prefix.length()))).toList();
        return anyMatches(expected, given, "no v1 signature in webhook-signature",
                "no signature matches (wrong secret, or id/timestamp/body altered)", timestamp);
    }

    /** Valid when one of {@code given} is {@code expected} (each compared in constant time) and the time is fine. */
    private Result anyMatches(byte[] expected, List<byte[]> given, String noneGiven, String noMatch, String timestamp) {
        if (given.isEmpty()) {
            return Result.invalid(noneGiven);
        }
        boolean match = false;
        for (byte[] g : given) {
            match |= MessageDigest.isEqual(expected, g);
        }
        return match ? outsideTolerance(timestamp) : Result.invalid(noMatch);
    }

    private static byte[] hexOrNull(String candidate) {
        try {
            return HexFormat.of().parseHex(candidate.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A v1 signature that is not base64 still counts as a v1 signature, one that matches nothing. */
    private static byte[] base64OrEmpty(String candidate) {
        try {
            return java.util.Base64.getDecoder().decode(candidate);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** Why the delivery is malformed: the first header (name, value, name, value ...) that is absent; or null. */
    private static Result firstMissing(String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i + 1] == null || headers[i + 1].isBlank()) {
                return Result.invalid("missing " + headers[i]);
            }
        }
        return null;
    }

    /** Null when the timestamp is Unix seconds, else why not. */
    private static Result unparseable(String timestamp) {
        try {
            Long.parseLong(timestamp.trim());
            return null;
        } catch (NumberFormatException e) {
            return Result.invalid("timestamp '" + timestamp + "' is not Unix seconds");
        }
    }

    /**
     * Valid when the (parseable) timestamp is within the tolerance, or none is set; else why not. Checked
     * after the signature, so a receiver learns of a replay only from a delivery that is otherwise genuine.
     */
    private Result outsideTolerance(String timestamp) {
        if (tolerance != null) {
            Duration age = Duration.between(Instant.ofEpochSecond(Long.parseLong(timestamp.trim())), clock.instant());
            if (age.abs().compareTo(tolerance) > 0) {
                return Result.invalid("timestamp " + timestamp + " is " + age.abs().toSeconds()
                        + " s from now, outside the tolerance of " + tolerance.toSeconds() + " s (replay?)");
            }
        }
        return Result.ok();
    }
}
