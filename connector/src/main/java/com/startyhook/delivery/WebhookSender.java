package com.startyhook.delivery;

import com.startyhook.StartyHookException;
import com.startyhook.signing.Secrets;
import com.startyhook.signing.Signer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Sends one attempt of an action: signs the exact payload bytes (DESIGN §8), POSTs them over
 * pooled keep-alive connections (HTTP/2 where the receiver offers it through ALPN), never follows
 * redirects, and reports what happened. It never throws: every problem is an {@link Sent} with an error.
 */
final class WebhookSender implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WebhookSender.class);
    static final String CONTENT_TYPE = "application/json; charset=utf-8";
    private static final ContentType JSON_UTF8 = ContentType.create("application/json", StandardCharsets.UTF_8);
    /** Headers the connector sets itself; an action's extra headers cannot replace them. */
    private static final Set<String> RESERVED = Set.of("content-type", "content-length", "host", "transfer-encoding",
            "connection", "x-startyhook-timestamp", "x-startyhook-signature", "x-startyhook-id", "x-startyhook-event");

    /**
     * What one attempt gave. {@code status} is null when no response arrived; {@code permanent}
     * marks problems that no retry can fix (an URL the connector refuses).
     */
    record Sent(Instant startedAt, long durationMs, Integer status, String retryAfter, String error,
            String excerpt, boolean permanent) {
        boolean success() {
            return error == null && status != null && status >= 200 && status < 300;
        }
    }

    private final DeliveryConfig config;
    private final Secrets secrets;
    private final Clock clock;
    private final CloseableHttpAsyncClient client;
    private final HostLimiter limiter;
    private final ScheduledExecutorService deadlines;

    WebhookSender(DeliveryConfig config, Secrets secrets, Clock clock) {
        this.config = config;
        this.secrets = secrets;
        this.clock = clock;
        this.limiter = new HostLimiter(config.perHostLimit());
        Timeout connect = Timeout.of(config.connectTimeout());
        var connections = PoolingAsyncClientConnectionManagerBuilder.create()
                .setTlsStrategy(ClientTlsStrategyBuilder.create()
                        .setSslContext(TlsContexts.build(config, secrets))
                        .buildAsync())
                .setDefaultTlsConfig(TlsConfig.custom()
                        .setVersionPolicy(HttpVersionPolicy.NEGOTIATE)
                        .setHandshakeTimeout(connect)
                        .build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(10))
                        .build())
                .setMaxConnPerRoute(config.perHostLimit())
                .setMaxConnTotal(Math.max(config.perHostLimit(), config.workers() * config.batchSize()))
                .build();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(connections)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("StartyHook")
                .build();
        this.client.start();
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "delivery-deadlines");
            t.setDaemon(true);
            return t;
        });
    }

    /** One attempt under way: {@code startedAt} is set once the request actually leaves (it may wait for its host). */
    static final class InFlight {
        final ClaimedAction action;
        final CompletableFuture<Sent> sent;
        volatile Instant startedAt;
        volatile Runnable cancelHook = () -> {};

        void cancel() {
            cancelHook.run();
        }

        private InFlight(ClaimedAction action, CompletableFuture<Sent> sent) {
            this.action = action;
            this.sent = sent;
        }
    }

    /** Sends {@code action} once; {@code sent} always completes normally unless cancelled. */
    InFlight send(ClaimedAction action) {
        CompletableFuture<Sent> sent = new CompletableFuture<>();
        InFlight inFlight = new InFlight(action, sent);
        prepare(inFlight).whenComplete((v, e) -> {
            if (e instanceof java.util.concurrent.CancellationException && inFlight.startedAt == null) {
                sent.cancel(false); // released before it started: back to pending without an attempt
            } else if (e != null) {
                sent.complete(new Sent(clock.instant(), 0, null, null, e.toString(), null, false));
            } else {
                sent.complete(v);
            }
        });
        sent.whenComplete((v, e) -> {
            if (sent.isCancelled()) {
                inFlight.cancel();
            }
        });
        return inFlight;
    }

    private CompletableFuture<Sent> prepare(InFlight inFlight) {
        ClaimedAction action = inFlight.action;
        Instant now = clock.instant();
        URI uri;
        try {
            uri = URI.create(action.url());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(refused(now, "url '" + action.url() + "' is not a valid URL"));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            return CompletableFuture.completedFuture(refused(now, "url '" + action.url()
                    + "' is not an https URL with a host"));
        }
        if (scheme.equals("http") && !config.allowInsecureUrls()) {
            return CompletableFuture.completedFuture(refused(now, "url '" + action.url() + "' is not https; "
                    + "plain http is refused unless rules.allow-insecure-urls=true (local testing only)"));
        }
        byte[] secret;
        try {
            secret = secrets.resolve(action.secretRef());
        } catch (StartyHookException e) {
            // the operator may set the variable and restart: retried on the schedule
            return CompletableFuture.completedFuture(new Sent(now, 0, null, null, e.getMessage(), null, false));
        }
        String host = scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + uri.getPort();
        CompletableFuture<Sent> limited = limiter.submit(host, () -> execute(inFlight, uri, secret));
        inFlight.cancelHook = () -> limited.cancel(true);
        return limited;
    }

    private static Sent refused(Instant now, String error) {
        return new Sent(now, 0, null, null, error, null, true);
    }

    private CompletableFuture<Sent> execute(InFlight inFlight, URI uri, byte[] secret) {
        ClaimedAction action = inFlight.action;
        Instant started = clock.instant();
        if (started.plusMillis(hardDeadline(action)).isAfter(action.leaseExpiresAt())) {
            // It waited for a connection to its host so long that its lease would expire before the
            // attempt could end; another worker could then send it too. Release it instead: cancelled
            // before starting, it goes back to pending without an attempt.
            warnLeaseShort(uri);
            CompletableFuture<Sent> released = new CompletableFuture<>();
            released.cancel(false);
            return released;
        }
        inFlight.startedAt = started;
        long startNanos = System.nanoTime();
        byte[] body = action.payload().getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(started.getEpochSecond());
        SimpleRequestBuilder builder = SimpleRequestBuilder.post(uri);
        for (Map.Entry<String, String> h : action.headers().entrySet()) {
            if (!RESERVED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                builder.addHeader(h.getKey(), h.getValue());
            }
        }
        SimpleHttpRequest request = builder
                .setHeader("Content-Type", CONTENT_TYPE)
                .setHeader("X-StartyHook-Timestamp", timestamp)
                .setHeader("X-StartyHook-Signature", Signer.sign(secret, body, timestamp))
                .setHeader("X-StartyHook-Id", action.messageId().toString())
                .setHeader("X-StartyHook-Event", action.event())
                .setBody(body, JSON_UTF8)
                .setRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.ofMilliseconds(action.timeoutMs()))
                        .setConnectionRequestTimeout(Timeout.of(config.leaseDuration()))
                        .build())
                .build();
        CompletableFuture<Sent> result = new CompletableFuture<>();
        Future<ExcerptConsumer.Answer> call = client.execute(SimpleRequestProducer.create(request),
                new ExcerptConsumer(config.maxResponseExcerpt()), null, new FutureCallback<>() {
                    @Override
                    public void completed(ExcerptConsumer.Answer answer) {
                        String error = answer.status() >= 200 && answer.status() < 300 ? null
                                : "HTTP " + answer.status() + (answer.location() == null ? ""
                                        : " redirect to " + answer.location() + " (redirects are not followed)");
                        result.complete(new Sent(started, millisSince(startNanos), answer.status(),
                                answer.retryAfter(), error, answer.excerpt(), false));
                    }

                    @Override
                    public void failed(Exception e) {
                        result.complete(new Sent(started, millisSince(startNanos), null, null,
                                describe(e, action.timeoutMs()), null, false));
                    }

                    @Override
                    public void cancelled() {
                        result.complete(new Sent(started, millisSince(startNanos), null, null,
                                "no complete response within " + hardDeadline(action) + " ms", null, false));
                    }
                });
        // the response timeout bounds silence; this bounds a receiver that trickles its answer
        var deadline = deadlines.schedule(() -> call.cancel(true), hardDeadline(action), TimeUnit.MILLISECONDS);
        result.whenComplete((v, e) -> {
            deadline.cancel(false);
            if (result.isCancelled()) {
                call.cancel(true);
            }
        });
        return result;
    }

    private final java.util.concurrent.atomic.AtomicLong lastLeaseWarning = new java.util.concurrent.atomic.AtomicLong();

    private void warnLeaseShort(URI uri) {
        long now = System.nanoTime();
        long last = lastLeaseWarning.get();
        if ((last == 0 || now - last > TimeUnit.MINUTES.toNanos(1)) && lastLeaseWarning.compareAndSet(last, now)) {
            LOG.warn("Actions for {} waited so long for a connection (delivery.per-host-limit) that their lease would"
                    + " expire: released to be sent later. Raise delivery.per-host-limit or delivery.lease, or lower"
                    + " delivery.batch-size", uri.getHost());
        }
    }

    private long hardDeadline(ClaimedAction action) {
        return action.timeoutMs() + config.connectTimeout().toMillis();
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** A short, operator-readable description of a transport failure. */
    static String describe(Exception e, int timeoutMs) {
        if (e instanceof org.apache.hc.client5.http.ConnectTimeoutException) {
            return "connect timeout: could not connect (TCP and TLS) within delivery.connect-timeout ("
                    + e.getMessage() + ")";
        }
        if (e instanceof SocketTimeoutException || e instanceof java.util.concurrent.TimeoutException
                || e.getClass().getSimpleName().contains("Timeout")) {
            return "timeout: no response within " + timeoutMs + " ms (" + e.getMessage() + ")";
        }
        if (e instanceof ConnectException) {
            return "connection refused or failed: " + e.getMessage();
        }
        if (e instanceof UnknownHostException) {
            return "unknown host: " + e.getMessage();
        }
        if (e instanceof SSLException) {
            return "TLS failure (certificate not trusted? set delivery.ca-bundle): " + e.getMessage();
        }
        if (e instanceof IOException) {
            return "I/O error: " + e;
        }
        return e.toString();
    }

    /** Drops every connection at once, in-flight requests included (a simulated crash). */
    void abort() {
        client.close(CloseMode.IMMEDIATE);
        deadlines.shutdownNow();
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
        deadlines.shutdownNow();
    }
}
