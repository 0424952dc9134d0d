package com.startyhook.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When to try again: the action's own schedule (delay before attempt 2, 3, ...), spread by a
 * random jitter so that a receiver coming back is not hit by every retry at once, and never
 * sooner than the receiver's {@code Retry-After} (capped). After the last scheduled attempt: none.
 *
 * @param jitter        random spread of a delay, 0.2 = ±20 %
 * @param maxRetryAfter cap on a receiver's {@code Retry-After}
 * @param random        uniform values in [0, 1)
 */
record RetryPolicy(double jitter, Duration maxRetryAfter, DoubleSupplier random) {

    /**
     * The delay before the next attempt after attempt number {@code attemptNo} (1-based) failed,
     * or empty when it was the last.
     */
    Optional<Duration> nextDelay(int attemptNo, long[] scheduleMs, Duration retryAfter) {
        if (attemptNo > scheduleMs.length) {
            return Optional.empty();
        }
        long base = scheduleMs[attemptNo - 1];
        long spread = Math.round(base * jitter * (2 * random.getAsDouble() - 1));
        Duration delay = Duration.ofMillis(Math.max(0, base + spread));
        if (retryAfter != null && !retryAfter.isNegative()) {
            Duration asked = retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
            if (asked.compareTo(delay) > 0) {
                delay = asked;
            }
        }
        return Optional.of(delay);
    }

    /**
     * A {@code Retry-After} header value as a delay from {@code now}: delta-seconds or an HTTP date;
     * null when absent or unreadable.
     */
    static Duration parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException tooLarge) {
                return Duration.ofSeconds(Long.MAX_VALUE / 1000);
            }
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
