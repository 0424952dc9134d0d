package com.startyhook.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local HTTP endpoint of a running connector: {@code /health} (the detailed report),
 * {@code /health/live} and {@code /health/ready} (the probes of an orchestrator), {@code /metrics}
 * (Prometheus text) and the console with its JSON API. Bound to 127.0.0.1 by default. Write
 * operations require {@code Authorization: Bearer <admin token>}; without a configured token they
 * are disabled.
 *
 * <p>Paths match exactly (a handler added with {@link #handle} also answers the paths below it,
 * {@code /api/flows/NAME/activate}); anything else is 404, so {@code /healthz} or {@code /metricsX}
 * never pass for a probe.
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** A report: {@code healthy} decides 200 or 503; {@code details} is rendered as JSON. */
    public record Health(boolean healthy, Map<String, Object> details) {}

    /** What the endpoint reports; each is called per request, on an HTTP thread. */
    public interface Probes {
        /** {@code /health}: the detailed report. */
        Health health();

        /** {@code /health/ready}: ready to do its work (details say what is not). */
        Health readiness();

        /** {@code /health/live}: false once the process is shutting down. */
        boolean live();
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] adminTokenBytes;
    private final Map<String, HttpHandler> routes = new ConcurrentHashMap<>();

    public OpsServer(String bind, int port, String adminToken, Probes probes, PrometheusMeterRegistry registry)
            throws IOException {
        this.adminTokenBytes = adminToken == null || adminToken.isBlank() ? null
                : adminToken.getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::route);
        routes.put("/health", exchange -> report(exchange, probes::health));
        routes.put("/health/ready", exchange -> report(exchange, probes::readiness));
        routes.put("/health/live", exchange -> {
            boolean live = probes.live();
            respondJson(exchange, live ? 200 : 503, Map.of("status", live ? "UP" : "DOWN"));
        });
        routes.put("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape().getBytes(StandardCharsets.UTF_8)));
    }

    private static void report(HttpExchange exchange, Supplier<Health> probe) throws IOException {
        Health h;
        try {
            h = probe.get();
        } catch (RuntimeException e) {
            h = new Health(false, Map.of("error", String.valueOf(e.getMessage())));
        }
        respondJson(exchange, h.healthy() ? 200 : 503,
                Map.of("status", h.healthy() ? "UP" : "DOWN", "details", h.details()));
    }

    /** The handler of exactly this path, else of the longest added prefix that is a parent of it, else 404. */
    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        HttpHandler handler = routes.get(path);
        for (String p = path; handler == null && p.lastIndexOf('/') > 0; ) {
            p = p.substring(0, p.lastIndexOf('/'));
            HttpHandler parent = routes.get(p);
            handler = parent != null && !p.startsWith("/health") && !p.equals("/metrics") ? parent : null;
        }
        if (handler == null) {
            respondJson(exchange, 404, Map.of("error", "not found: " + path + " (try /health, /health/live,"
                    + " /health/ready, /metrics or / for the console)"));
            return;
        }
        handler.handle(exchange);
    }

    /**
     * Adds (or replaces) the handler of {@code path} and the paths below it (the console and its
     * API); {@code "/"} is the root only.
     */
    public void handle(String path, HttpHandler handler) {
        routes.put(path, exchange -> {
            try {
                handler.handle(exchange);
            } catch (RuntimeException e) {
                LOG.warn("Console request {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                        e.getMessage());
                respondJson(exchange, 500, Map.of("error", String.valueOf(e.getMessage())));
            }
        });
    }

    /**
     * Answers {@code paths} (and those below them) with 503 and {@code why} until {@link #handle}
     * replaces them: the console while the connector starts.
     */
    public void unavailable(List<String> paths, Supplier<String> why) {
        for (String path : paths) {
            routes.put(path, exchange -> respondJson(exchange, 503, Map.of("error", "the connector is starting ("
                    + why.get() + "); try again in a moment")));
        }
    }

    public void start() {
        server.start();
        LOG.info("Health, metrics and console on http://{}:{}/", server.getAddress().getHostString(), port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** True when the request carries the admin token; compares in constant time. */
    public boolean authorized(HttpExchange exchange) {
        if (adminTokenBytes == null) {
            return false;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(adminTokenBytes, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    public boolean writesEnabled() {
        return adminTokenBytes != null;
    }

    static void respondJson(HttpExchange exchange, int status, Object body) throws IOException {
        respond(exchange, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        try (exchange) {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
