package com.startyhook.rules;

import com.startyhook.signing.SigningRef;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Send a signed webhook.
 *
 * @param signing       the wire scheme and the secret references ({@code env:NAME} or {@code file:PATH}),
 *                      newest first: one signature is sent per secret
 * @param timeout       response timeout of one attempt
 * @param retrySchedule delays before the 2nd, 3rd, ... attempt; the action fails after the last
 */
public record WebhookAction(URI url, SigningRef signing, Map<String, String> headers, Duration timeout,
        List<Duration> retrySchedule) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** About a day: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h (10 attempts in all). */
    public static final List<Duration> DEFAULT_RETRY_SCHEDULE = List.of(
            Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMinutes(10),
            Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(3), Duration.ofHours(6),
            Duration.ofHours(12));

    public WebhookAction {
        headers = Map.copyOf(headers);
        retrySchedule = List.copyOf(retrySchedule);
    }

    /** One secret, the default (seed) scheme. */
    public WebhookAction(URI url, String secret, Map<String, String> headers, Duration timeout,
            List<Duration> retrySchedule) {
        this(url, SigningRef.seed(secret), headers, timeout, retrySchedule);
    }

    /** The newest secret's reference. */
    public String secret() {
        return signing.newest();
    }
}
