package com.startyhook.ops;

import com.sun.net.httpserver.HttpExchange;
import com.startyhook.outbox.OutboxRepository;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The console: one static page over a small JSON API. Reading needs nothing; activate,
 * deactivate, retry and cancel need the admin token. Secrets never appear: flows show their
 * trigger and state, actions their URL, never a secret reference's value.
 */
public final class ConsoleApi {
    private final OpsServer server;
    private final Database database;
    private final OutboxRepository outbox;
    private final Activations activations;
    private final FlowsReport report;
    private final Supplier<Rules> rules;
    private final Runnable onActivationChange;

    public ConsoleApi(OpsServer server, Database database, Supplier<Rules> rules, Runnable onActivationChange) {
        this.server = server;
        this.database = database;
        this.outbox = new OutboxRepository(database);
        this.activations = new Activations(database);
        this.report = new FlowsReport(database);
        this.rules = rules;
        this.onActivationChange = onActivationChange;
    }

    /** The paths the console answers (and the paths below the API's). */
    public static final List<String> PATHS = List.of("/", "/console", "/api/flows", "/api/actions");

    /** Adds the console's paths to the server, replacing what answered them before (see {@link #PATHS}). */
    public void register() {
        server.handle("/", this::page);
        server.handle("/console", this::page);
        server.handle("/api/flows", this::flows);
        server.handle("/api/actions", this::actions);
    }

    private void page(HttpExchange exchange) throws IOException {
        if (!"/".equals(exchange.getRequestURI().getPath()) && !"/console".equals(exchange.getRequestURI().getPath())) {
            OpsServer.respondJson(exchange, 404, Map.of("error", "not found"));
            return;
        }
        try (InputStream in = ConsoleApi.class.getResourceAsStream("/startyhook/console/index.html")) {
            OpsServer.respond(exchange, 200, "text/html; charset=utf-8", in.readAllBytes());
        }
    }

    private void flows(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        try {
            if (parts.length == 3 && "GET".equals(exchange.getRequestMethod())) {
                List<Map<String, Object>> out = report.lines(rules.get(), activations.all()).stream().map(l -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", l.name());
                    m.put("description", l.description());
                    m.put("state", l.state().label());
                    m.put("deliveries", l.deliveries());
                    m.put("trigger", l.trigger());
                    m.put("mode", l.mode());
                    m.put("lastRun", l.lastRun());
                    m.put("counts", l.counts());
                    m.put("lastError", l.lastError());
                    m.put("backfill", l.backfillSummary());
                    return m;
                }).toList();
                OpsServer.respondJson(exchange, 200, out);
            } else if (parts.length == 5 && "POST".equals(exchange.getRequestMethod())) {
                if (!authorize(exchange)) {
                    return;
                }
                String name = URLDecoder.decode(parts[3], StandardCharsets.UTF_8);
                Flow flow = rules.get().flows().get(name);
                String by = "console";
                String message;
                if ("activate".equals(parts[4])) {
                    if (flow == null) {
                        OpsServer.respondJson(exchange, 409, Map.of("error", "flow " + name + " cannot be activated: it"
                                + " has problems or does not exist (see `startyhook validate`)"));
                        return;
                    }
                    message = activations.activate(name, flow.contentHash(), by) ? "activated " + name
                            : name + " was already active";
                } else if ("deactivate".equals(parts[4])) {
                    message = activations.deactivate(name, flow == null ? null : flow.contentHash(), by)
                            ? "deactivated " + name : name + " was not active";
                } else {
                    OpsServer.respondJson(exchange, 404, Map.of("error", "unknown operation " + parts[4]));
                    return;
                }
                onActivationChange.run();
                OpsServer.respondJson(exchange, 200, Map.of("message", message));
            } else {
                OpsServer.respondJson(exchange, 404, Map.of("error", "not found"));
            }
        } catch (SQLException e) {
            OpsServer.respondJson(exchange, 503, Map.of("error", "database: " + e.getMessage()));
        }
    }

    private void actions(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        try {
            if (parts.length == 3 && "GET".equals(exchange.getRequestMethod())) {
                Map<String, String> q = query(exchange);
                String status = blankToNull(q.get("status"));
                if (status != null && !OutboxRepository.STATUSES.contains(status)) {
                    OpsServer.respondJson(exchange, 400, Map.of("error", "unknown status " + status));
                    return;
                }
                var list = outbox.list(new OutboxRepository.Filter(blankToNull(q.get("flow")), status,
                        blankToNull(q.get("element")), null, 200));
                OpsServer.respondJson(exchange, 200, list.stream().map(ConsoleApi::summary).toList());
            } else if (parts.length == 4 && "GET".equals(exchange.getRequestMethod())) {
                var details = outbox.show(Long.parseLong(parts[3]));
                if (details.isEmpty()) {
                    OpsServer.respondJson(exchange, 404, Map.of("error", "no action " + parts[3]));
                    return;
                }
                var d = details.get();
                Map<String, Object> m = summary(d.summary());
                m.put("url", d.url());
                m.put("payload", d.payload());
                m.put("messageId", d.messageId());
                m.put("attemptHistory", d.attempts());
                OpsServer.respondJson(exchange, 200, m);
            } else if (parts.length == 5 && "POST".equals(exchange.getRequestMethod())) {
                if (!authorize(exchange)) {
                    return;
                }
                long id = Long.parseLong(parts[3]);
                List<OutboxRepository.Change> changes = switch (parts[4]) {
                    case "retry" -> outbox.retry(List.of(id));
                    case "cancel" -> outbox.cancel(List.of(id));
                    default -> null;
                };
                if (changes == null) {
                    OpsServer.respondJson(exchange, 404, Map.of("error", "unknown operation " + parts[4]));
                    return;
                }
                String message = changes.isEmpty() ? "no action " + id : changes.stream()
                        .map(c -> c.changed() ? "action " + c.id() + ": " + c.from() + " → " + c.to()
                                : "action " + c.id() + " unchanged: " + c.note())
                        .reduce((a, b) -> a + "; " + b).orElse("");
                OpsServer.respondJson(exchange, 200, Map.of("message", message));
            } else {
                OpsServer.respondJson(exchange, 404, Map.of("error", "not found"));
            }
        } catch (NumberFormatException e) {
            OpsServer.respondJson(exchange, 400, Map.of("error", "action ids are numbers"));
        } catch (SQLException e) {
            OpsServer.respondJson(exchange, 503, Map.of("error", "database: " + e.getMessage()));
        }
    }

    private boolean authorize(HttpExchange exchange) throws IOException {
        if (!server.writesEnabled()) {
            OpsServer.respondJson(exchange, 403, Map.of("error", "changes from the console are disabled: start the"
                    + " connector with an admin token (STARTYHOOK_HTTP_ADMIN_TOKEN)"));
            return false;
        }
        if (!server.authorized(exchange)) {
            OpsServer.respondJson(exchange, 401, Map.of("error", "wrong or missing admin token"));
            return false;
        }
        return true;
    }

    private static Map<String, Object> summary(OutboxRepository.ActionSummary a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("flow", a.flowName());
        m.put("entity", a.entity());
        m.put("element", a.elementId());
        m.put("event", a.event());
        m.put("status", a.status());
        m.put("attempts", a.attempts());
        m.put("lastHttpStatus", a.lastHttpStatus());
        m.put("lastError", a.lastError());
        m.put("createdAt", a.createdAt());
        m.put("nextAttemptAt", a.nextAttemptAt());
        return m;
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> q = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
