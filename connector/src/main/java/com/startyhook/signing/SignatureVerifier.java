package com.startyhook.signing;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Checks a received webhook the way DESIGN §8 tells receivers to: recompute the HMAC over the raw
 * body and the timestamp header, compare in constant time ignoring the hex case, and refuse
 * timestamps further than a tolerance from now (replays). Used by {@code verify} and {@code listen}.
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

    public Result verify(byte[] secret, byte[] body, String timestamp, String signature) {
        if (timestamp == null || timestamp.isBlank()) {
            return Result.invalid("missing X-StartyHook-Timestamp");
        }
        if (signature == null || signature.isBlank()) {
            return Result.invalid("missing X-StartyHook-Signature");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Result.invalid("timestamp '" + timestamp + "' is not Unix seconds");
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature.trim().toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Result.invalid("signature is not hexadecimal");
        }
        // the HMAC covers the header value exactly as received
        byte[] expected = Signer.mac(secret, body, timestamp);
        if (!MessageDigest.isEqual(expected, given)) {
            return Result.invalid("signature does not match (wrong secret, or body/timestamp altered)");
        }
        if (tolerance != null) {
            Duration age = Duration.between(Instant.ofEpochSecond(seconds), clock.instant());
            if (age.abs().compareTo(tolerance) > 0) {
                return Result.invalid("timestamp " + timestamp + " is " + age.abs().toSeconds()
                        + " s from now, outside the tolerance of " + tolerance.toSeconds() + " s (replay?)");
            }
        }
        return Result.ok();
    }
}
