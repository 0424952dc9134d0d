package com.startyhook.capture;

import com.startyhook.ConfigurationException;
import com.startyhook.store.PgValues;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.regex.Pattern;

/**
 * Settings of the event service's capture (docs/capture.md, §9).
 *
 * @param slotName            logical replication slot ({@code capture.slot})
 * @param publicationName     filtered publication holding the tables active event flows use ({@code capture.publication})
 * @param heartbeatInterval   how often a heartbeat advances the slot on an idle database ({@code capture.heartbeat-interval})
 * @param pollInterval        Debezium poll interval; commit-to-outbox latency is about this ({@code capture.poll-interval})
 * @param maxBatchSize        most change records handled in one outbox transaction ({@code capture.max-batch-size})
 * @param restartBackoff      first delay before restarting a failed engine, doubled on each failure ({@code capture.restart-backoff})
 * @param restartBackoffMax   longest delay between engine restarts ({@code capture.restart-backoff-max})
 * @param sourceTimeZone      the zone the source's {@code timestamp} (without time zone) values are in
 *                            ({@code capture.source-time-zone}, docs/rules.md "Value forms")
 */
public record CaptureConfig(String slotName, String publicationName, Duration heartbeatInterval, Duration pollInterval,
        int maxBatchSize, Duration restartBackoff, Duration restartBackoffMax, ZoneId sourceTimeZone) {

    public static final String DEFAULT_SLOT_NAME = "startyhook";
    public static final String DEFAULT_PUBLICATION_NAME = "startyhook";
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(50);
    public static final int DEFAULT_MAX_BATCH_SIZE = 2048;
    public static final Duration DEFAULT_RESTART_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RESTART_BACKOFF_MAX = Duration.ofMinutes(2);

    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern PUBLICATION = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** The settings with the default source time zone (UTC). */
    public CaptureConfig(String slotName, String publicationName, Duration heartbeatInterval, Duration pollInterval,
            int maxBatchSize, Duration restartBackoff, Duration restartBackoffMax) {
        this(slotName, publicationName, heartbeatInterval, pollInterval, maxBatchSize, restartBackoff, restartBackoffMax,
                PgValues.DEFAULT_SOURCE_TIME_ZONE);
    }

    public CaptureConfig {
        if (slotName == null || !SLOT.matcher(slotName).matches()) {
            throw new ConfigurationException("capture.slot '" + slotName + "' is not a valid replication slot name;"
                    + " use lower-case letters, digits and underscores (at most 63), e.g. " + DEFAULT_SLOT_NAME);
        }
        if (publicationName == null || !PUBLICATION.matcher(publicationName).matches()) {
            throw new ConfigurationException("capture.publication '" + publicationName + "' is not a plain lower-case"
                    + " SQL identifier; use letters, digits and underscores, e.g. " + DEFAULT_PUBLICATION_NAME);
        }
        positive(heartbeatInterval, "capture.heartbeat-interval", "10s");
        positive(pollInterval, "capture.poll-interval", "50ms");
        if (maxBatchSize < 1 || maxBatchSize > 100_000) {
            throw new ConfigurationException("capture.max-batch-size must be between 1 and 100000, got " + maxBatchSize
                    + "; the default is " + DEFAULT_MAX_BATCH_SIZE);
        }
        positive(restartBackoff, "capture.restart-backoff", "1s");
        positive(restartBackoffMax, "capture.restart-backoff-max", "2m");
        if (restartBackoffMax.compareTo(restartBackoff) < 0) {
            throw new ConfigurationException("capture.restart-backoff-max (" + restartBackoffMax
                    + ") must not be shorter than capture.restart-backoff (" + restartBackoff + ")");
        }
        if (sourceTimeZone == null) {
            throw new ConfigurationException("capture.source-time-zone is missing; write an IANA time zone such as"
                    + " Europe/Paris, or UTC (the default)");
        }
    }

    /**
     * Reads {@code capture.source-time-zone}: an IANA zone id (e.g. {@code Europe/Paris}) or {@code UTC}.
     *
     * @throws ConfigurationException naming the key and an example when {@code text} is no zone
     */
    public static ZoneId sourceTimeZone(String text) {
        if (text == null || text.isBlank()) {
            return PgValues.DEFAULT_SOURCE_TIME_ZONE;
        }
        try {
            return ZoneId.of(text.trim());
        } catch (DateTimeException e) {
            throw new ConfigurationException("capture.source-time-zone '" + text + "' is not a time zone; write an"
                    + " IANA zone id such as Europe/Paris or America/New_York, or UTC (the default)");
        }
    }

    public static CaptureConfig defaults() {
        return new CaptureConfig(DEFAULT_SLOT_NAME, DEFAULT_PUBLICATION_NAME, DEFAULT_HEARTBEAT_INTERVAL,
                DEFAULT_POLL_INTERVAL, DEFAULT_MAX_BATCH_SIZE, DEFAULT_RESTART_BACKOFF, DEFAULT_RESTART_BACKOFF_MAX);
    }

    public CaptureConfig withSlotName(String slot) {
        return new CaptureConfig(slot, publicationName, heartbeatInterval, pollInterval, maxBatchSize, restartBackoff,
                restartBackoffMax, sourceTimeZone);
    }

    public CaptureConfig withMaxBatchSize(int size) {
        return new CaptureConfig(slotName, publicationName, heartbeatInterval, pollInterval, size, restartBackoff,
                restartBackoffMax, sourceTimeZone);
    }

    public CaptureConfig withRestartBackoff(Duration first, Duration max) {
        return new CaptureConfig(slotName, publicationName, heartbeatInterval, pollInterval, maxBatchSize, first, max,
                sourceTimeZone);
    }

    public CaptureConfig withPollInterval(Duration poll) {
        return new CaptureConfig(slotName, publicationName, heartbeatInterval, poll, maxBatchSize, restartBackoff,
                restartBackoffMax, sourceTimeZone);
    }

    public CaptureConfig withSourceTimeZone(ZoneId zone) {
        return new CaptureConfig(slotName, publicationName, heartbeatInterval, pollInterval, maxBatchSize, restartBackoff,
                restartBackoffMax, zone);
    }

    private static void positive(Duration d, String key, String example) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigurationException(key + " must be a positive duration such as " + example + ", got " + d);
        }
    }
}
