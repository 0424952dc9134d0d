package com.startyhook.rules;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Send a signed webhook (DESIGN §5, §7, §8).
 *
 * @param secret        where the signing secret is: {@code env:NAME} or {@code file:PATH}
 * @param timeout       response timeout of one attempt
 * @param retrySchedule delays before the 2nd, 3rd, ... attempt; the action fails after the last
 */
public record WebhookAction(URI url, String secret, Map<String, String> headers, Duration timeout,
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
}
