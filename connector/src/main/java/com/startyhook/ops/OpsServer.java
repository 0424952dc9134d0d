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
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local HTTP endpoint of a running connector (DESIGN §9): {@code /health}, {@code /metrics}
 * (Prometheus text) and the console with its JSON API. Bound to 127.0.0.1 by default. Write
 * operations require {@code Authorization: Bearer <admin token>}; without a configured token they
 * are disabled.
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The health report: {@code healthy} decides 200 or 503; {@code details} is rendered as JSON. */
    public record Health(boolean healthy, Map<String, Object> details) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] adminTokenBytes;

    public OpsServer(String bind, int port, String adminToken, Supplier<Health> health,
            PrometheusMeterRegistry registry) throws IOException {
        this.adminTokenBytes = adminToken == null || adminToken.isBlank() ? null
                : adminToken.getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/health", exchange -> {
            Health h;
            try {
                h = health.get();
            } catch (RuntimeException e) {
                h = new Health(false, Map.of("error", String.valueOf(e.getMessage())));
            }
            respondJson(exchange, h.healthy() ? 200 : 503,
                    Map.of("status", h.healthy() ? "UP" : "DOWN", "details", h.details()));
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape().getBytes(StandardCharsets.UTF_8)));
    }

    /** Adds a handler (the console and its API). */
    public void handle(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try {
                handler.handle(exchange);
            } catch (RuntimeException e) {
                LOG.warn("Console request {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                        e.getMessage());
                respondJson(exchange, 500, Map.of("error", String.valueOf(e.getMessage())));
            }
        });
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
