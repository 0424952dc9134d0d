package com.startyhook.app;

import com.startyhook.ConfigurationException;
import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureSource;
import com.startyhook.config.Settings;
import com.startyhook.delivery.DeliveryConfig;
import com.startyhook.events.LookupConfig;
import com.startyhook.monitor.MonitorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;

/**
 * The typed, validated configuration of {@code startyhook run}, built once from {@link Settings}
 * (flags, environment, file, defaults). Every service gets its own record.
 */
public record ConnectorSettings(String dbUrl, String dbUser, String dbPassword, String stateUrl, String stateUser,
        String statePassword, String schema, int poolSize,
        Path rulesDir, Duration rulesReloadInterval, boolean allowInsecureUrls, CaptureConfig capture,
        long slotLagWarningBytes, MonitorConfig monitor, DeliveryConfig delivery, String httpBind, int httpPort,
        String adminToken, Duration retentionDelivered, Duration retentionFailed, Duration retentionInterval,
        Duration metricsRefreshInterval, String instanceId, LookupConfig lookup) {

    public ConnectorSettings {
        positive("rules.reload-interval", rulesReloadInterval);
        positive("retention.delivered", retentionDelivered);
        positive("retention.failed", retentionFailed);
        positive("retention.interval", retentionInterval);
        positive("metrics.refresh-interval", metricsRefreshInterval);
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigurationException(key + " must be a positive duration such as 500ms, 30s or 7d, got " + d);
        }
    }

    public static ConnectorSettings from(Settings s) {
        boolean insecure = s.bool("rules.allow-insecure-urls");
        ZoneId sourceTimeZone = CaptureConfig.sourceTimeZone(s.string("capture.source-time-zone"));
        CaptureConfig capture = new CaptureConfig(s.string("capture.slot"), s.string("capture.publication"),
                s.duration("capture.heartbeat-interval"), s.duration("capture.poll-interval"),
                s.integer("capture.max-batch-size", 1, 100_000), s.duration("capture.restart-backoff"),
                s.duration("capture.restart-backoff-max"), sourceTimeZone);
        MonitorConfig monitor = new MonitorConfig(s.integer("monitor.threads", 1, 64),
                s.duration("monitor.default-timeout"), s.integer("monitor.fetch-size", 1, 1_000_000),
                s.integer("monitor.batch-size", 1, 1_000_000), sourceTimeZone);
        DeliveryConfig delivery = new DeliveryConfig(s.integer("delivery.workers", 1, 256),
                s.integer("delivery.batch-size", 1, 1000), s.duration("delivery.lease"),
                s.duration("delivery.poll-interval"), s.integer("delivery.per-host-limit", 1, 10_000),
                s.duration("delivery.connect-timeout"), s.path("delivery.ca-bundle"),
                s.path("delivery.client-certificate"), s.path("delivery.client-key"),
                s.string("delivery.client-key-password"), insecure,
                s.integer("delivery.max-response-excerpt", 0, 1 << 20), s.duration("delivery.max-retry-after"),
                s.decimal("delivery.retry-jitter", 0, 0.99), s.duration("delivery.shutdown-grace"),
                DeliveryConfig.parseNonRetryableStatuses(s.string("delivery.non-retryable-statuses")),
                com.startyhook.net.AddressPolicy.parse(s.string("delivery.allowed-private-hosts")),
                s.string("delivery.ca-bundle-password"), s.duration("delivery.disable-after"),
                s.bool("delivery.handoff"));
        int poolSize = s.integer("db.pool-size", 4, 200);
        int needed = 2 * monitor.threads() + 2;
        if (poolSize < needed) {
            throw new com.startyhook.ConfigurationException("db.pool-size " + poolSize + " is too small for monitor.threads "
                    + monitor.threads() + ": each running scan holds two connections, and capture and delivery need"
                    + " theirs; set db.pool-size to at least " + needed + " or lower monitor.threads");
        }
        String url = s.required("db.url");
        new CaptureSource(url, s.string("db.user"), null); // validates the URL, naming db.url
        String stateUrl = s.string("state.url");
        String stateUser = s.string("state.user");
        String statePassword = s.string("state.password");
        if (stateUrl == null) {
            if (stateUser != null) {
                throw new ConfigurationException("state.user is set but state.url is not; set state.url to the"
                        + " database that holds the connector's schema, or remove state.user");
            }
            stateUrl = url;
        } else {
            if (!stateUrl.startsWith("jdbc:postgresql:") || org.postgresql.Driver.parseURL(stateUrl, null) == null) {
                throw new ConfigurationException("state.url must be a PostgreSQL JDBC URL such as"
                        + " jdbc:postgresql://localhost:5432/startyhook, got: "
                        + com.startyhook.store.Database.redactUrl(stateUrl));
            }
        }
        if (stateUser == null) {
            stateUser = s.string("db.user");
            statePassword = statePassword != null ? statePassword : s.string("db.password");
        }
        return new ConnectorSettings(url, s.string("db.user"), s.string("db.password"), stateUrl, stateUser,
                statePassword, s.string("db.schema"),
                poolSize, s.path("rules.dir"), s.duration("rules.reload-interval"), insecure,
                capture, s.bytes("capture.slot-lag-warning"), monitor, delivery, s.string("http.bind"),
                s.integer("http.port", 0, 65535), s.string("http.admin-token"), s.duration("retention.delivered"),
                s.duration("retention.failed"), s.duration("retention.interval"), s.duration("metrics.refresh-interval"),
                s.string("ha.instance-id"), new LookupConfig(s.integer("capture.lookup-cache-size", 0, 10_000_000),
                        s.duration("capture.lookup-cache-ttl"), s.duration("capture.lookup-timeout")));
    }

    /** True when the connector's schema lives in another database than the ERP's (state.url). */
    public boolean separateState() {
        return !(stateUrl.equals(dbUrl) && java.util.Objects.equals(stateUser, dbUser));
    }

    /** The connector's settings without secrets, for the start-up log line. */
    @Override
    public String toString() {
        return "db=" + com.startyhook.store.Database.redactUrl(dbUrl) + " user=" + dbUser
                + (separateState() ? " state=" + com.startyhook.store.Database.redactUrl(stateUrl) + " state-user="
                        + stateUser : " state=(the ERP database)") + " schema=" + schema
                + " rules=" + rulesDir + " slot=" + capture.slotName() + " publication=" + capture.publicationName()
                + " workers=" + delivery.workers() + " http=" + (httpPort == 0 ? "off" : httpBind + ":" + httpPort)
                + (adminToken == null ? " (console read-only: no admin token)" : "")
                + (allowInsecureUrls ? " INSECURE-URLS-ALLOWED" : "");
    }

}
