package com.startyhook.delivery;

import com.startyhook.ConfigurationException;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a receiver's HTTP status means for the action:
 * <ul>
 *   <li>2xx: delivered;</li>
 *   <li>410 Gone: the receiver says the endpoint is gone ({@link Verdict#GONE}): delivery disables the
 *       endpoint and holds its actions until it is enabled again (never fails them);</li>
 *   <li>a status the operator declared non-retryable ({@code delivery.non-retryable-statuses}):
 *       the action fails at once;</li>
 *   <li>anything else, 408, 429 and 5xx included: retried on the action's schedule, no sooner than
 *       the receiver's {@code Retry-After}.</li>
 * </ul>
 */
final class ResponsePolicy {
    static final String KEY = "delivery.non-retryable-statuses";
    /** Statuses that always keep the retry schedule: they say "later", not "never". */
    private static final Set<Integer> ALWAYS_RETRIED = Set.of(408, 425, 429);

    enum Verdict { DELIVERED, RETRY, FAIL, GONE }

    private final Set<Integer> nonRetryable;

    ResponsePolicy(Set<Integer> nonRetryable) {
        this.nonRetryable = Set.copyOf(nonRetryable);
    }

    Verdict classify(int status) {
        if (status >= 200 && status < 300) {
            return Verdict.DELIVERED;
        }
        if (status == 410) {
            return Verdict.GONE;
        }
        return nonRetryable.contains(status) ? Verdict.FAIL : Verdict.RETRY;
    }

    /**
     * Reads the key's value: status codes separated by commas or spaces, e.g. {@code 400,401,403,422};
     * blank for none (the default). 2xx, 408, 425, 429, 5xx and 410 (handled on its own) are refused.
     */
    static Set<Integer> parse(String value) {
        Set<Integer> out = new TreeSet<>();
        if (value == null || value.isBlank()) {
            return out;
        }
        for (String item : value.trim().split("[,\\s]+")) {
            int status;
            try {
                status = Integer.parseInt(item);
            } catch (NumberFormatException e) {
                throw new ConfigurationException(KEY + ": '" + item + "' is not an HTTP status; write e.g. 400,422");
            }
            check(status);
            out.add(status);
        }
        return out;
    }

    static void check(int status) {
        if (status < 300 || status > 499) {
            throw new ConfigurationException(KEY + ": " + status + " cannot be non-retryable: only 3xx and 4xx"
                    + " statuses can (2xx is success; 5xx and unknown statuses keep the retry schedule)");
        }
        if (ALWAYS_RETRIED.contains(status)) {
            throw new ConfigurationException(KEY + ": " + status + " cannot be non-retryable: it asks to try again"
                    + " later, so it keeps the retry schedule and Retry-After");
        }
        if (status == 410) {
            throw new ConfigurationException(KEY + ": 410 is always handled as 'endpoint gone'; remove it");
        }
    }
}
