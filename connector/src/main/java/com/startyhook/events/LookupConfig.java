package com.startyhook.events;

import com.startyhook.ConfigurationException;
import java.time.Duration;

/**
 * Settings of the reads of related values (docs/rules.md, "Related values").
 *
 * @param cacheSize most related rows kept in memory ({@code capture.lookup-cache-size}); 0 turns the cache off
 * @param cacheTtl  how long a cached related row may serve later events ({@code capture.lookup-cache-ttl})
 * @param timeout   time bound of one lookup statement ({@code capture.lookup-timeout})
 */
public record LookupConfig(int cacheSize, Duration cacheTtl, Duration timeout) {
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public LookupConfig {
        if (cacheSize < 0 || cacheSize > 10_000_000) {
            throw new ConfigurationException("capture.lookup-cache-size must be between 0 (no cache) and 10000000, got "
                    + cacheSize + "; the default is " + DEFAULT_CACHE_SIZE);
        }
        if (cacheTtl == null || cacheTtl.isNegative() || cacheTtl.isZero()) {
            throw new ConfigurationException("capture.lookup-cache-ttl must be a positive duration such as 60s, got " + cacheTtl);
        }
        if (timeout == null || timeout.toMillis() < 1000 || timeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new ConfigurationException("capture.lookup-timeout must be between 1s and 1h (JDBC query timeouts"
                    + " count whole seconds), got " + timeout + "; the default is 10s");
        }
    }

    public static LookupConfig defaults() {
        return new LookupConfig(DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL, DEFAULT_TIMEOUT);
    }
}
