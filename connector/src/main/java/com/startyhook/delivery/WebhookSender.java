package com.startyhook.delivery;

import com.startyhook.StartyHookException;
import com.startyhook.outbox.Payload;
import com.startyhook.signing.Secrets;
import com.startyhook.signing.Signer;
import com.startyhook.signing.SigningRef;
import com.startyhook.signing.StandardWebhooks;
import com.startyhook.signing.WireScheme;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * Sends one attempt of an action: signs the exact payload bytes in the action's wire scheme (seed
 * {@code X-StartyHook-*} headers, or Standard Webhooks), one signature per secret, POSTs them over
 * pooled keep-alive connections (HTTP/2 where the receiver offers it through ALPN) to addresses the
 * SSRF guard accepts, never follows redirects, and reports what happened. It never throws: every
 * problem is an {@link Sent} with an error.
 */
final class WebhookSender implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WebhookSender.class);
    static final String CONTENT_TYPE = "application/json; charset=utf-8";
    private static final ContentType JSON_UTF8 = ContentType.create("application/json", StandardCharsets.UTF_8);
    /** Headers the connector sets itself; an action's extra headers cannot replace them. */
    private static final Set<String> RESERVED = Set.of("content-type", "content-length", "host", "transfer-encoding",
            "connection", "x-startyhook-timestamp", "x-startyhook-signature", "x-startyhook-id", "x-startyhook-event",
            StandardWebhooks.ID_HEADER, StandardWebhooks.TIMESTAMP_HEADER, StandardWebhooks.SIGNATURE_HEADER);

    /**
     * What one attempt gave. {@code status} is null when no response arrived; {@code permanent}
     * marks problems that no retry can fix (an URL or address the connector refuses, a status the
     * operator declared non-retryable): the action fails at once. 410 Gone is permanent for the endpoint,
     * not for the action: delivery disables the endpoint and holds the action ({@link #endpointGone}).
     */
    record Sent(Instant startedAt, long durationMs, Integer status, String retryAfter, String error,
            String excerpt, boolean permanent) {
        boolean success() {
            return error == null && status != null && status >= 200 && status < 300;
        }

        /**
         * The receiver answered 410 Gone: it wants no more webhooks at this URL. Delivery disables the
         * endpoint and holds the action (and every other open action to that URL) until an operator
         * enables it again; the action is never failed for it.
         */
        boolean endpointGone() {
            return status != null && status == 410;
        }
    }

    private final DeliveryConfig config;
    private final Secrets secrets;
    private final Clock clock;
    private final CloseableHttpAsyncClient client;
    private final HostLimiter limiter;
    private final ScheduledExecutorService deadlines;
    private final ResponsePolicy responses;

    WebhookSender(DeliveryConfig config, Secrets secrets, Clock clock) {
        this.config = config;
        this.secrets = secrets;
        this.clock = clock;
        this.limiter = new HostLimiter(config.perHostLimit());
        this.responses = new ResponsePolicy(config.nonRetryableStatuses());
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
                .setDnsResolver(new GuardedDnsResolver(config.allowedPrivateHosts()))
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
        final Lease lease;
        final CompletableFuture<Sent> sent;
        volatile Instant startedAt;
        volatile Runnable cancelHook = () -> {};

        void cancel() {
            cancelHook.run();
        }

        private InFlight(ClaimedAction action, Lease lease, CompletableFuture<Sent> sent) {
            this.action = action;
            this.lease = lease;
            this.sent = sent;
        }
    }

    /** Sends {@code action} once; {@code sent} always completes normally unless cancelled. */
    InFlight send(ClaimedAction action, Lease lease) {
        CompletableFuture<Sent> sent = new CompletableFuture<>();
        InFlight inFlight = new InFlight(action, lease, sent);
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
        var literal = config.allowedPrivateHosts().refusalOfLiteral(uri.getHost());
        if (literal.isPresent()) {
            return CompletableFuture.completedFuture(refused(now, "refused: " + literal.get()));
        }
        int size = Payload.utf8Length(action.payload());
        if (size > Payload.MAX_BYTES) {
            return CompletableFuture.completedFuture(refused(now, "payload of " + size + " bytes is larger than the"
                    + " maximum of " + Payload.MAX_BYTES + " bytes (flow " + action.flowName() + ", element "
                    + action.elementId() + ")"));
        }
        Signing signing;
        try {
            signing = Signing.resolve(action.secretRef(), secrets);
        } catch (StartyHookException | IllegalArgumentException e) {
            // the operator may set the variable and restart: retried on the schedule
            return CompletableFuture.completedFuture(new Sent(now, 0, null, null, e.getMessage(), null, false));
        }
        String host = scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + uri.getPort();
        CompletableFuture<Sent> limited = limiter.submit(host, () -> execute(inFlight, uri, signing));
        inFlight.cancelHook = () -> limited.cancel(true);
        return limited;
    }

    private static Sent refused(Instant now, String error) {
        return new Sent(now, 0, null, null, error, null, true);
    }

    /** An action's scheme and HMAC keys, newest first, duplicates dropped (two references to one secret sign once). */
    record Signing(WireScheme scheme, List<byte[]> keys) {
        static Signing resolve(String secretRef, Secrets secrets) {
            SigningRef ref = SigningRef.decode(secretRef);
            List<byte[]> keys = new ArrayList<>();
            for (String r : ref.secrets()) {
                byte[] key = ref.scheme().key(secrets.resolve(r), r);
                if (keys.stream().noneMatch(k -> Arrays.equals(k, key))) {
                    keys.add(key);
                }
            }
            return new Signing(ref.scheme(), keys);
        }

        /** Sets the signature headers of one attempt on {@code builder}. */
        void sign(SimpleRequestBuilder builder, ClaimedAction action, byte[] body, Instant at) {
            String timestamp = Long.toString(at.getEpochSecond());
            String id = action.messageId().toString();
            List<String> signatures = new ArrayList<>(keys.size());
            if (scheme == WireScheme.STANDARD_WEBHOOKS) {
                keys.forEach(k -> signatures.add(StandardWebhooks.sign(k, id, timestamp, body)));
                builder.setHeader(StandardWebhooks.ID_HEADER, id)
                        .setHeader(StandardWebhooks.TIMESTAMP_HEADER, timestamp)
                        .setHeader(StandardWebhooks.SIGNATURE_HEADER, String.join(" ", signatures));
            } else {
                keys.forEach(k -> signatures.add(Signer.sign(k, body, timestamp)));
                builder.setHeader("X-StartyHook-Timestamp", timestamp)
                        .setHeader("X-StartyHook-Signature", String.join(" ", signatures))
                        .setHeader("X-StartyHook-Id", id);
            }
        }
    }

    private CompletableFuture<Sent> execute(InFlight inFlight, URI uri, Signing signing) {
        ClaimedAction action = inFlight.action;
        Instant started = clock.instant();
        if (!inFlight.lease.holds(started.plus(inFlight.lease.renewEvery()))) {
            // The worker's lease is about to run out (its renewals failed while this action waited for a
            // connection to its host); another worker could then send it too. Release it instead: cancelled
            // before starting, it goes back to pending without an attempt.
            warnLeaseShort(uri);
            CompletableFuture<Sent> released = new CompletableFuture<>();
            released.cancel(false);
            return released;
        }
        inFlight.startedAt = started;
        long startNanos = System.nanoTime();
        byte[] body = action.payload().getBytes(StandardCharsets.UTF_8);
        SimpleRequestBuilder builder = SimpleRequestBuilder.post(uri);
        for (Map.Entry<String, String> h : action.headers().entrySet()) {
            if (!RESERVED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                builder.addHeader(h.getKey(), h.getValue());
            }
        }
        builder.setHeader("Content-Type", CONTENT_TYPE);
        signing.sign(builder, action, body, started);
        SimpleHttpRequest request = builder
                .setHeader("X-StartyHook-Event", action.event())
                .setBody(body, JSON_UTF8)
                .setRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.ofMilliseconds(action.timeoutMs()))
                        // a request waits for a connection to its host while its worker renews the lease
                        .setConnectionRequestTimeout(Timeout.ofMinutes(2))
                        .build())
                .build();
        CompletableFuture<Sent> result = new CompletableFuture<>();
        Future<ExcerptConsumer.Answer> call = client.execute(SimpleRequestProducer.create(request),
                new ExcerptConsumer(config.maxResponseExcerpt()), null, new FutureCallback<>() {
                    @Override
                    public void completed(ExcerptConsumer.Answer answer) {
                        var verdict = responses.classify(answer.status());
                        String error = switch (verdict) {
                            case DELIVERED -> null;
                            case GONE -> "HTTP 410 Gone: endpoint disabled (the receiver asks for no more webhooks"
                                    + " at this URL); its actions are held until `startyhook outbox enable-endpoint URL`";
                            case FAIL -> "HTTP " + answer.status() + ": non-retryable status"
                                    + " (delivery.non-retryable-statuses); failed without retrying";
                            case RETRY -> "HTTP " + answer.status() + (answer.location() == null ? ""
                                    : " redirect to " + answer.location() + " (redirects are not followed)");
                        };
                        result.complete(new Sent(started, millisSince(startNanos), answer.status(),
                                answer.retryAfter(), error, answer.excerpt(),
                                verdict == ResponsePolicy.Verdict.FAIL || verdict == ResponsePolicy.Verdict.GONE));
                    }

                    @Override
                    public void failed(Exception e) {
                        result.complete(new Sent(started, millisSince(startNanos), null, null,
                                describe(e, action.timeoutMs(), config.connectTimeout().toMillis()), null,
                                refusedAddress(e)));
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
            LOG.warn("Actions for {} were about to start when their worker's lease could not be renewed (is the"
                    + " database reachable?): released to be sent later", uri.getHost());
        }
    }

    private long hardDeadline(ClaimedAction action) {
        return action.timeoutMs() + config.connectTimeout().toMillis();
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static long expiredMillis(String message) {
        try {
            return message == null ? -1 : org.apache.hc.core5.util.TimeValue.parse(message.trim()).toMilliseconds();
        } catch (java.text.ParseException | RuntimeException e) {
            return -1;
        }
    }

    private static boolean refusedAddress(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GuardedDnsResolver.Refused) {
                return true;
            }
        }
        return false;
    }

    /**
     * A short, operator-readable description of a transport failure, naming what failed: the SSRF
     * guard, name resolution, the TCP connect (refused, unreachable or timed out), the TLS handshake
     * (certificate or protocol) or the wait for the response. The cause chain is searched, since the
     * client may wrap the first failure.
     */
    static String describe(Exception e, int timeoutMs, long connectTimeoutMs) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GuardedDnsResolver.Refused) {
                return "refused: " + t.getMessage();
            }
            if (t instanceof UnknownHostException) {
                return "DNS: host name not found (" + t.getMessage() + ")";
            }
            if (t instanceof org.apache.hc.client5.http.ConnectTimeoutException
                    || t instanceof java.net.SocketTimeoutException && String.valueOf(t.getMessage()).contains("onnect")) {
                return "connect timeout: no TCP connection within delivery.connect-timeout (host down, unroutable"
                        + " or filtered) (" + t.getMessage() + ")";
            }
            if (t instanceof org.apache.hc.client5.http.HttpHostConnectException || t instanceof ConnectException) {
                String m = String.valueOf(t.getMessage());
                return (m.contains("refused") ? "connection refused: nothing listens on that port"
                        : m.contains("nreachable") ? "network unreachable" : "cannot connect") + " (" + m + ")";
            }
            if (t instanceof java.net.NoRouteToHostException) {
                return "no route to host (" + t.getMessage() + ")";
            }
            if (t instanceof javax.net.ssl.SSLHandshakeException) {
                return "TLS handshake failed (certificate not trusted or protocol mismatch; set delivery.ca-bundle"
                        + " for a private CA): " + t.getMessage();
            }
            if (t instanceof SSLException) {
                return "TLS error: " + t.getMessage();
            }
        }
        if (e instanceof SocketTimeoutException || e instanceof java.util.concurrent.TimeoutException
                || e.getClass().getSimpleName().contains("Timeout")) {
            // the client says only which timeout expired ("1 SECONDS"): the TLS handshake runs under
            // delivery.connect-timeout, the wait for the response under the action's timeout
            long expired = expiredMillis(e.getMessage());
            if (expired == connectTimeoutMs && expired != timeoutMs) {
                return "TLS handshake timeout: connected, but no TLS handshake within delivery.connect-timeout ("
                        + connectTimeoutMs + " ms)";
            }
            if (expired == connectTimeoutMs) {
                return "timeout after " + timeoutMs + " ms in the TLS handshake or waiting for the response";
            }
            return "timeout: no response within " + timeoutMs + " ms (" + e.getMessage() + ")";
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
