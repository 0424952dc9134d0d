package com.startyhook.receiver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A real local HTTPS server that records every request and answers with what a {@link Responder}
 * decides: the receiver behind {@code listen}, the demo, the benchmark and the delivery tests.
 */
public final class HttpsReceiver implements AutoCloseable {

    /** One received request: headers (lower-case names), the raw body bytes and when it arrived. */
    public record Request(String method, String path, Map<String, String> headers, byte[] body, Instant receivedAt) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What to answer: status, optional headers and body, and an optional delay before answering. */
    public record Response(int status, Map<String, String> headers, String body, long delayMillis) {
        public static Response status(int status) {
            return new Response(status, Map.of(), "", 0);
        }

        public Response withDelay(long millis) {
            return new Response(status, headers, body, millis);
        }

        public Response withHeader(String name, String value) {
            Map<String, String> h = new TreeMap<>(headers);
            h.put(name, value);
            return new Response(status, h, body, delayMillis);
        }

        public Response withBody(String text) {
            return new Response(status, headers, text, delayMillis);
        }
    }

    @FunctionalInterface
    public interface Responder extends Function<Request, Response> {}

    private final SelfSignedCertificate certificate;
    private final HttpsServer server;
    private final ExecutorService executor;
    // not a CopyOnWriteArrayList: that copies the whole list on every request (quadratic under load)
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean keepRequests = true;
    private final List<Consumer<Request>> listeners = new CopyOnWriteArrayList<>();
    private volatile Responder responder = r -> Response.status(200);

    private HttpsReceiver(SelfSignedCertificate certificate, HttpsServer server, ExecutorService executor) {
        this.certificate = certificate;
        this.server = server;
        this.executor = executor;
    }

    /** Starts a receiver on 127.0.0.1; port 0 picks a free port. */
    public static HttpsReceiver start(int port) {
        return start(port, SelfSignedCertificate.generate());
    }

    public static HttpsReceiver start(int port, SelfSignedCertificate certificate) {
        return start(port, certificate, 16);
    }

    /**
     * A receiver answering on {@code threads} threads: a responder that delays its answers needs as
     * many as the requests it should hold at once (the benchmark's 20 ms receiver).
     */
    public static HttpsReceiver start(int port, SelfSignedCertificate certificate, int threads) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
            server.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
            ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "receiver");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            HttpsReceiver receiver = new HttpsReceiver(certificate, server, executor);
            server.createContext("/", receiver::handle);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new IllegalStateException("could not start the HTTPS receiver on port " + port + ": " + e.getMessage(), e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    headers, body, Instant.now());
            Response response;
            try {
                response = responder.apply(request);
            } catch (RuntimeException e) {
                response = Response.status(500).withBody("responder failed: " + e);
            }
            if (response.delayMillis() > 0) {
                try {
                    Thread.sleep(response.delayMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (keepRequests) {
                requests.add(request);
            }
            for (Consumer<Request> l : listeners) {
                l.accept(request);
            }
            byte[] out = response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(response.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    public void respondWith(Responder responder) {
        this.responder = responder;
    }

    /**
     * Whether {@link #requests()} keeps every request (the default). A benchmark that counts through
     * {@link #onRequest} turns it off, so that the receiver's memory does not grow with the load.
     */
    public void keepRequests(boolean keep) {
        this.keepRequests = keep;
    }

    public void onRequest(Consumer<Request> listener) {
        listeners.add(listener);
    }

    /** Requests received so far, in arrival order (recorded before the answer is sent). */
    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    public void clear() {
        requests.clear();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code https://localhost:PORT} + path. */
    public String url(String path) {
        return "https://localhost:" + port() + (path.startsWith("/") ? path : "/" + path);
    }

    public SelfSignedCertificate certificate() {
        return certificate;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
