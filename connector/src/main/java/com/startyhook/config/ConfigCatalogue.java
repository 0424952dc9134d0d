package com.startyhook.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration key of {@code startyhook run}, with its default and description. The README's
 * configuration table mirrors this list (a test checks it). Values are read from flags, then
 * environment variables ({@link ConfigKey#environmentVariable()}), then an optional properties file.
 */
public final class ConfigCatalogue {
    private static final Map<String, ConfigKey> KEYS = new LinkedHashMap<>();

    static {
        // database
        add("db.url", null, "JDBC URL of the ERP's PostgreSQL database (wal_level=logical), e.g. jdbc:postgresql://erp-db:5432/erp");
        add("db.user", "postgres", "database role; needs REPLICATION and the privileges listed in the README");
        secret("db.password", "database password (environment or file only, never a flag)");
        add("db.schema", "startyhook", "schema holding the connector's own tables (created and migrated at start)");
        add("db.pool-size", "8", "connections in the connector's pool");
        // state: where the connector's own schema lives
        add("state.url", null, "JDBC URL of the database holding the connector's schema (outbox, attempts, offsets, activations, memory); default: db.url. Recommended: a database of its own, e.g. jdbc:postgresql://erp-db:5432/startyhook, so that the ERP database pays nothing but the WAL reading");
        add("state.user", null, "role for state.url (default: db.user); owns the connector's schema there");
        secret("state.password", "password of state.user (environment or file only; default: db.password when state.user is unset)");
        // rules
        add("rules.dir", "rules", "directory holding entities.json and flows/*.json");
        add("rules.reload-interval", "2s", "how often rule files are checked for changes while running");
        add("rules.allow-insecure-urls", "false", "accept and deliver to http:// webhook URLs (testing only)");
        // capture (event service)
        add("capture.slot", "startyhook", "name of the logical replication slot");
        add("capture.publication", "startyhook", "name of the publication (holds only the tables of active event flows)");
        add("capture.poll-interval", "50ms", "Debezium poll interval; bounds commit-to-capture latency");
        add("capture.heartbeat-interval", "10s", "heartbeat interval that keeps an idle database's slot advancing");
        add("capture.max-batch-size", "2048", "largest batch of change records handled at once");
        add("capture.restart-backoff", "1s", "first delay before restarting a failed capture engine (doubles each time)");
        add("capture.restart-backoff-max", "2m", "longest delay between capture engine restarts");
        add("capture.lookup-cache-size", "10000", "related rows kept in memory for related values (0: no cache)");
        add("capture.lookup-cache-ttl", "60s", "longest a cached related row serves later events");
        add("capture.lookup-timeout", "10s", "time bound of one statement reading related values");
        add("capture.source-time-zone", "UTC", "IANA time zone of the source's timestamp (without time zone) values, e.g. Europe/Paris");
        add("capture.slot-lag-warning", "1GB", "log a warning when the slot retains more WAL than this");
        // monitor
        add("monitor.threads", "2", "threads that run condition scans");
        add("monitor.default-timeout", "30s", "statement timeout of a scan when its flow sets none");
        add("monitor.fetch-size", "1000", "rows fetched per round trip while a scan streams its result");
        add("monitor.batch-size", "1000", "rows compared with stored fingerprints, and written, per batch");
        // delivery
        add("delivery.workers", "4", "concurrent deliveries of this process");
        add("delivery.batch-size", "64", "actions a worker keeps in flight; it claims more (one statement) once half have finished");
        add("delivery.lease", "15s", "how long a claimed action stays with a worker unless renewed; the worker renews it every"
                + " third of it while it works, so a killed process's actions go to others within one lease");
        add("delivery.poll-interval", "1s", "fallback poll when no enqueue notification arrives");
        add("delivery.per-host-limit", "32", "concurrent requests per receiver host");
        add("delivery.connect-timeout", "5s", "TCP and TLS connect timeout");
        add("delivery.ca-bundle", null, "extra CA certificates to trust (in addition to the JDK's): a PEM file, or a PKCS12 or JKS truststore");
        add("delivery.ca-bundle-password", null, "reference (env:NAME or file:PATH) to the password of a PKCS12 or JKS delivery.ca-bundle");
        add("delivery.client-certificate", null, "PEM or PKCS12 (.p12/.pfx) client certificate for mutual TLS");
        add("delivery.client-key", null, "PEM private key of the client certificate (when the certificate is PEM)");
        add("delivery.client-key-password", null, "reference (env:NAME or file:PATH) to the password of the client key or PKCS12 file");
        add("delivery.max-response-excerpt", "4096", "bytes of a receiver's response kept in the attempt log");
        add("delivery.max-retry-after", "6h", "cap on a receiver's Retry-After");
        add("delivery.retry-jitter", "0.2", "random spread of retry delays (0.2 = plus or minus 20 %)");
        add("delivery.shutdown-grace", "10s", "how long a graceful stop waits for in-flight deliveries");
        add("delivery.disable-after", "5d", "an endpoint (webhook URL) failing continuously this long is disabled, like one that answers 410 Gone: its actions are held, not failed, until `startyhook outbox enable-endpoint URL`");
        add("delivery.handoff", "true", "actions the capture of this process enqueues that are due at once are inserted already leased to one of its delivery workers and handed over in memory after the commit, without a claim statement; false: every action is claimed");
        add("delivery.non-retryable-statuses", null, "HTTP statuses (3xx/4xx, comma-separated, e.g. 400,422) that fail an action at once instead of retrying; default none");
        add("delivery.allowed-private-hosts", null, "host names, addresses and CIDR ranges (comma-separated, e.g. localhost,10.20.0.0/16) that webhooks may reach although loopback, private, link-local, CGNAT, multicast or unspecified; default none");
        // operations
        add("http.bind", "127.0.0.1", "address of the health, metrics and console endpoint");
        add("http.port", "8088", "port of the health, metrics and console endpoint (0 disables it)");
        secret("http.admin-token", "token required by the console's activate/retry/cancel buttons");
        add("retention.delivered", "7d", "delete delivered and cancelled actions older than this");
        add("retention.failed", "30d", "delete failed actions older than this");
        add("retention.interval", "10m", "how often the leader runs retention");
        add("metrics.refresh-interval", "5s", "how often outbox, slot and monitor statistics for /metrics and /health are read");
        add("ha.instance-id", null, "name of this process in leases and /health (default host:pid)");
        add("log.format", "text", "text (one line per event) or json (one JSON object per line, for log shippers)");
    }

    private ConfigCatalogue() {}

    private static void add(String key, String defaultValue, String description) {
        KEYS.put(key, new ConfigKey(key, defaultValue, description, false));
    }

    /** A secret has no default: it comes from the environment or the file, never from code or a flag. */
    private static void secret(String key, String description) {
        KEYS.put(key, new ConfigKey(key, null, description, true));
    }

    public static List<ConfigKey> keys() {
        return List.copyOf(KEYS.values());
    }

    public static ConfigKey get(String key) {
        return KEYS.get(key);
    }
}
