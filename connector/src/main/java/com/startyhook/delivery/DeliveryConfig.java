package com.startyhook.delivery;

import com.startyhook.ConfigurationException;
import com.startyhook.net.AddressPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Configuration of the execution service (docs/delivery.md), validated at construction; each message
 * names the key and the fix.
 *
 * @param workers            worker threads per connector process; each claims a batch and sends it
 *                           concurrently (key {@code delivery.workers})
 * @param batchSize          actions a worker keeps in flight; it claims more once half have finished ({@code delivery.batch-size})
 * @param leaseDuration      how long a claim holds before another worker may take the action over, unless
 *                           the worker renews it (every third of it while it holds actions) ({@code delivery.lease})
 * @param pollInterval       fallback poll when no wake-up arrives ({@code delivery.poll-interval})
 * @param perHostLimit       concurrent requests per receiving host and port ({@code delivery.per-host-limit})
 * @param connectTimeout     TCP + TLS connect timeout ({@code delivery.connect-timeout})
 * @param caBundle           PEM file of extra CA certificates to trust, or null ({@code delivery.ca-bundle})
 * @param clientCertificate  client certificate for mutual TLS: a PEM chain (with {@code clientKey})
 *                           or a PKCS12 file (.p12/.pfx), or null ({@code delivery.client-certificate})
 * @param clientKey          PEM private key (PKCS#8, or traditional RSA/EC) of a PEM client
 *                           certificate ({@code delivery.client-key})
 * @param clientKeyPassword  secret reference (env:NAME or file:PATH) of the PKCS12 password, or null
 *                           ({@code delivery.client-key-password})
 * @param allowInsecureUrls  allow http:// URLs (local testing only) ({@code rules.allow-insecure-urls})
 * @param maxResponseExcerpt bytes of a response body kept in the attempt log ({@code delivery.max-response-excerpt})
 * @param maxRetryAfter      cap on a receiver's Retry-After ({@code delivery.max-retry-after})
 * @param jitter             random spread of retry delays, 0.2 = ±20 % ({@code delivery.retry-jitter})
 * @param shutdownGrace      how long close() waits for in-flight deliveries ({@code delivery.shutdown-grace})
 * @param nonRetryableStatuses HTTP statuses that fail an action at once instead of being retried
 *                           ({@code delivery.non-retryable-statuses}, default none)
 * @param allowedPrivateHosts private hosts and networks the SSRF guard lets deliveries reach
 *                           ({@code delivery.allowed-private-hosts}, default none)
 * @param caBundlePassword   secret reference of the password of a PKCS12 or JKS {@code delivery.ca-bundle},
 *                           or null ({@code delivery.ca-bundle-password})
 * @param disableAfter       an endpoint (URL) that has failed continuously this long is disabled: its actions
 *                           are held until it is enabled again ({@code delivery.disable-after}, default 5 days)
 * @param handoff            actions this process's capture enqueues that are due at once are inserted already leased to
 *                           one of its workers and handed over in memory after the commit, without a claim
 *                           ({@code delivery.handoff}, default true)
 */
public record DeliveryConfig(int workers, int batchSize, Duration leaseDuration, Duration pollInterval,
        int perHostLimit, Duration connectTimeout, Path caBundle, Path clientCertificate, Path clientKey,
        String clientKeyPassword, boolean allowInsecureUrls, int maxResponseExcerpt, Duration maxRetryAfter,
        double jitter, Duration shutdownGrace, Set<Integer> nonRetryableStatuses, AddressPolicy allowedPrivateHosts,
        String caBundlePassword, Duration disableAfter, boolean handoff) {

    public static final int DEFAULT_WORKERS = 4;
    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_PER_HOST_LIMIT = 32;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_RESPONSE_EXCERPT = 4096;
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofHours(6);
    public static final double DEFAULT_JITTER = 0.2;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    /** As Svix: an endpoint failing for five days is disabled. */
    public static final Duration DEFAULT_DISABLE_AFTER = Duration.ofDays(5);

    public DeliveryConfig {
        atLeast("delivery.workers", workers, 1, 256);
        atLeast("delivery.batch-size", batchSize, 1, 1000);
        positive("delivery.lease", leaseDuration, Duration.ofSeconds(1));
        positive("delivery.poll-interval", pollInterval, Duration.ofMillis(10));
        atLeast("delivery.per-host-limit", perHostLimit, 1, 10_000);
        positive("delivery.connect-timeout", connectTimeout, Duration.ofMillis(1));
        positive("delivery.max-retry-after", maxRetryAfter, Duration.ofSeconds(1));
        positive("delivery.disable-after", disableAfter, Duration.ofSeconds(1));
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new ConfigurationException("delivery.shutdown-grace must be zero or more, e.g. 10s");
        }
        atLeast("delivery.max-response-excerpt", maxResponseExcerpt, 0, 1 << 20);
        nonRetryableStatuses = Set.copyOf(nonRetryableStatuses);
        nonRetryableStatuses.forEach(ResponsePolicy::check);
        if (allowedPrivateHosts == null) {
            throw new ConfigurationException(AddressPolicy.KEY + " is required (AddressPolicy.strict() for none)");
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new ConfigurationException("delivery.retry-jitter must be in [0, 1), e.g. 0.2 for ±20 %; got " + jitter);
        }
        readable("delivery.ca-bundle", caBundle);
        readable("delivery.client-certificate", clientCertificate);
        readable("delivery.client-key", clientKey);
        if (clientKey != null && clientCertificate == null) {
            throw new ConfigurationException("delivery.client-key is set but delivery.client-certificate is not; "
                    + "set both (PEM) or use a PKCS12 file as delivery.client-certificate");
        }
        if (clientCertificate != null && clientKey == null && !isPkcs12(clientCertificate)) {
            throw new ConfigurationException("delivery.client-certificate " + clientCertificate
                    + " is not a PKCS12 file (.p12/.pfx): set delivery.client-key to its PEM private key");
        }
    }

    /** The defaults: 4 workers, up to 64 actions in flight each, https only, TLS verification with the JDK's CAs. */
    public static DeliveryConfig defaults() {
        return new DeliveryConfig(DEFAULT_WORKERS, DEFAULT_BATCH_SIZE, DEFAULT_LEASE, DEFAULT_POLL_INTERVAL,
                DEFAULT_PER_HOST_LIMIT, DEFAULT_CONNECT_TIMEOUT, null, null, null, null, false,
                DEFAULT_MAX_RESPONSE_EXCERPT, DEFAULT_MAX_RETRY_AFTER, DEFAULT_JITTER, DEFAULT_SHUTDOWN_GRACE, Set.of(),
                AddressPolicy.strict(), null, DEFAULT_DISABLE_AFTER, true);
    }

    public DeliveryConfig withWorkers(int n) {
        return copy(c -> c.workers = n);
    }

    public DeliveryConfig withBatchSize(int n) {
        return copy(c -> c.batchSize = n);
    }

    public DeliveryConfig withLease(Duration lease) {
        return copy(c -> c.leaseDuration = lease);
    }

    public DeliveryConfig withPollInterval(Duration poll) {
        return copy(c -> c.pollInterval = poll);
    }

    public DeliveryConfig withPerHostLimit(int n) {
        return copy(c -> c.perHostLimit = n);
    }

    public DeliveryConfig withConnectTimeout(Duration timeout) {
        return copy(c -> c.connectTimeout = timeout);
    }

    public DeliveryConfig withCaBundle(Path file) {
        return copy(c -> c.caBundle = file);
    }

    public DeliveryConfig withClientCertificate(Path certificate, Path key, String passwordRef) {
        return copy(c -> {
            c.clientCertificate = certificate;
            c.clientKey = key;
            c.clientKeyPassword = passwordRef;
        });
    }

    public DeliveryConfig withAllowInsecureUrls(boolean allow) {
        return copy(c -> c.allowInsecureUrls = allow);
    }

    public DeliveryConfig withMaxResponseExcerpt(int bytes) {
        return copy(c -> c.maxResponseExcerpt = bytes);
    }

    public DeliveryConfig withMaxRetryAfter(Duration cap) {
        return copy(c -> c.maxRetryAfter = cap);
    }

    public DeliveryConfig withJitter(double spread) {
        return copy(c -> c.jitter = spread);
    }

    public DeliveryConfig withShutdownGrace(Duration grace) {
        return copy(c -> c.shutdownGrace = grace);
    }

    public DeliveryConfig withNonRetryableStatuses(Set<Integer> statuses) {
        return copy(c -> c.nonRetryableStatuses = statuses);
    }

    public DeliveryConfig withAllowedPrivateHosts(AddressPolicy allowed) {
        return copy(c -> c.allowedPrivateHosts = allowed);
    }

    public DeliveryConfig withDisableAfter(Duration after) {
        return copy(c -> c.disableAfter = after);
    }

    public DeliveryConfig withHandoff(boolean on) {
        return copy(c -> c.handoff = on);
    }

    public DeliveryConfig withCaBundle(Path file, String passwordRef) {
        return copy(c -> {
            c.caBundle = file;
            c.caBundlePassword = passwordRef;
        });
    }

    /** This configuration with {@code change} applied, validated again. */
    private DeliveryConfig copy(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** The components as mutable fields, so that each with-method names only what it changes. */
    private static final class Copy {
        int workers;
        int batchSize;
        Duration leaseDuration;
        Duration pollInterval;
        int perHostLimit;
        Duration connectTimeout;
        Path caBundle;
        Path clientCertificate;
        Path clientKey;
        String clientKeyPassword;
        boolean allowInsecureUrls;
        int maxResponseExcerpt;
        Duration maxRetryAfter;
        double jitter;
        Duration shutdownGrace;
        Set<Integer> nonRetryableStatuses;
        AddressPolicy allowedPrivateHosts;
        String caBundlePassword;
        Duration disableAfter;
        boolean handoff;

        Copy(DeliveryConfig d) {
            workers = d.workers;
            batchSize = d.batchSize;
            leaseDuration = d.leaseDuration;
            pollInterval = d.pollInterval;
            perHostLimit = d.perHostLimit;
            connectTimeout = d.connectTimeout;
            caBundle = d.caBundle;
            clientCertificate = d.clientCertificate;
            clientKey = d.clientKey;
            clientKeyPassword = d.clientKeyPassword;
            allowInsecureUrls = d.allowInsecureUrls;
            maxResponseExcerpt = d.maxResponseExcerpt;
            maxRetryAfter = d.maxRetryAfter;
            jitter = d.jitter;
            shutdownGrace = d.shutdownGrace;
            nonRetryableStatuses = d.nonRetryableStatuses;
            allowedPrivateHosts = d.allowedPrivateHosts;
            caBundlePassword = d.caBundlePassword;
            disableAfter = d.disableAfter;
            handoff = d.handoff;
        }

        DeliveryConfig build() {
            return new DeliveryConfig(workers, batchSize, leaseDuration, pollInterval, perHostLimit, connectTimeout,
                    caBundle, clientCertificate, clientKey, clientKeyPassword, allowInsecureUrls, maxResponseExcerpt,
                    maxRetryAfter, jitter, shutdownGrace, nonRetryableStatuses, allowedPrivateHosts, caBundlePassword,
                    disableAfter, handoff);
        }
    }

    /** Parses {@code delivery.non-retryable-statuses}: status codes separated by commas, blank for none. */
    public static Set<Integer> parseNonRetryableStatuses(String value) {
        return ResponsePolicy.parse(value);
    }

    static boolean isPkcs12(Path file) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".p12") || name.endsWith(".pfx");
    }

    private static void atLeast(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigurationException(key + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static void positive(String key, Duration value, Duration min) {
        if (value == null || value.compareTo(min) < 0) {
            throw new ConfigurationException(key + " must be at least " + min.toMillis() + " ms, got "
                    + (value == null ? "nothing" : value.toMillis() + " ms"));
        }
    }

    private static void readable(String key, Path file) {
        if (file != null && !Files.isReadable(file)) {
            throw new ConfigurationException(key + " " + file + " does not exist or is not readable; fix the path");
        }
    }
}
