package com.startyhook.monitor;

import com.startyhook.ConfigurationException;
import com.startyhook.rules.ConditionTrigger;
import com.startyhook.store.PgValues;
import java.time.Duration;
import java.time.ZoneId;

/**
 * Configuration of the monitor service (docs/monitor.md).
 *
 * @param threads        scans that may run at the same time; each running scan holds two pooled
 *                       connections (its read-only query and its state write)
 * @param defaultTimeout statement timeout of a scan whose flow sets none
 * @param fetchSize      rows fetched per round trip while a scan streams its query's result
 * @param batchSize      rows compared with the stored fingerprints, and written, per batch
 * @param sourceTimeZone the zone of the source's {@code timestamp} (without time zone) values
 *                       ({@code capture.source-time-zone}): condition rows give the same value forms as capture
 */
public record MonitorConfig(int threads, Duration defaultTimeout, int fetchSize, int batchSize, ZoneId sourceTimeZone) {
    public static final int DEFAULT_THREADS = 2;
    public static final Duration DEFAULT_TIMEOUT = ConditionTrigger.DEFAULT_TIMEOUT;
    public static final int DEFAULT_FETCH_SIZE = 1_000;
    public static final int DEFAULT_BATCH_SIZE = 1_000;
    public static final MonitorConfig DEFAULTS =
            new MonitorConfig(DEFAULT_THREADS, DEFAULT_TIMEOUT, DEFAULT_FETCH_SIZE, DEFAULT_BATCH_SIZE);

    /** The configuration with the default source time zone (UTC). */
    public MonitorConfig(int threads, Duration defaultTimeout, int fetchSize, int batchSize) {
        this(threads, defaultTimeout, fetchSize, batchSize, PgValues.DEFAULT_SOURCE_TIME_ZONE);
    }

    public MonitorConfig {
        if (sourceTimeZone == null) {
            throw new ConfigurationException("capture.source-time-zone is missing; write an IANA time zone such as"
                    + " Europe/Paris, or UTC (the default)");
        }
        if (threads < 1 || threads > 64) {
            throw new ConfigurationException("monitor.threads must be between 1 and 64, got " + threads
                    + "; the default is " + DEFAULT_THREADS + " (each running scan uses two pooled connections)");
        }
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()
                || defaultTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new ConfigurationException("monitor.default-timeout must be a positive duration such as 30s, got "
                    + defaultTimeout);
        }
        if (fetchSize < 1 || fetchSize > 1_000_000) {
            throw new ConfigurationException("monitor.fetch-size must be between 1 and 1000000 rows, got " + fetchSize
                    + "; the default is " + DEFAULT_FETCH_SIZE);
        }
        if (batchSize < 1 || batchSize > 100_000) {
            throw new ConfigurationException("monitor.batch-size must be between 1 and 100000 rows, got " + batchSize
                    + "; the default is " + DEFAULT_BATCH_SIZE);
        }
    }
}
