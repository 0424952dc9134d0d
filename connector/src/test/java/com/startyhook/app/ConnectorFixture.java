package com.startyhook.app;

import com.startyhook.config.Settings;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the connector in-process the way {@code startyhook run} does: settings resolved from flags
 * and environment through the catalogue, a rules directory on disk, the real database and receiver.
 */
public final class ConnectorFixture {
    public static final String SECRET_ENV = "OPS_TEST_WEBHOOK_SECRET";

    private final PostgresExtension pg;
    private final Path rules;
    private final Map<String, String> flags = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();

    /**
     * @param name short, distinct per test class: names the slot and publication (slots are
     *             cluster-wide)
     */
    public ConnectorFixture(PostgresExtension pg, Path rules, String name) {
        this.pg = pg;
        this.rules = rules;
        String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
        flags.put("db.url", pg.jdbcUrl());
        flags.put("db.user", pg.user());
        flags.put("rules.dir", rules.toString());
        flags.put("rules.reload-interval", "200ms");
        flags.put("metrics.refresh-interval", "300ms");
        flags.put("capture.slot", "sh_" + id);
        flags.put("capture.publication", "sh_" + id);
        flags.put("delivery.poll-interval", "200ms");
        flags.put("http.port", "0");
        if (pg.password() != null) {
            environment.put("STARTYHOOK_DB_PASSWORD", pg.password());
        }
        environment.put(SECRET_ENV, "webhook-secret-for-" + id);
    }

    public ConnectorFixture set(String key, String value) {
        flags.put(key, value);
        return this;
    }

    public ConnectorFixture env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    public ConnectorFixture trust(HttpsReceiverExtension receiver) {
        return env("STARTYHOOK_DELIVERY_CA_BUNDLE", receiver.caBundle().toString());
    }

    /** Lets deliveries reach {@code hosts} although private or loopback (the local test receiver: "localhost"). */
    public ConnectorFixture allowPrivateHosts(String hosts) {
        return env("STARTYHOOK_DELIVERY_ALLOWED_PRIVATE_HOSTS", hosts);
    }

    public ConnectorFixture withHttp() {
        return set("http.port", Integer.toString(freePort()));
    }

    public String slot() {
        return flags.get("capture.slot");
    }

    public String publication() {
        return flags.get("capture.publication");
    }

    public Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    public Path rules() {
        return rules;
    }

    /** Builds the settings exactly as {@code run} does and makes a connector, not started. */
    public Connector create() {
        ConnectorSettings settings = ConnectorSettings.from(Settings.resolve(flags, environment, null));
        return new Connector(settings, environment, Clock.systemUTC());
    }

    /** Builds the settings exactly as {@code run} does and starts a connector. */
    public Connector start() throws Exception {
        Connector c = create();
        try {
            c.start();
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Writes {@code rules/entities.json} (the example's) and an empty {@code flows/}. */
    public static void writeEntities(Path rules) throws IOException {
        Files.createDirectories(rules.resolve("flows"));
        Files.copy(Path.of("..", "rules", "entities.json"), rules.resolve("entities.json"));
    }

    /** An event flow with one webhook action to {@code url}, secret from {@link #SECRET_ENV}. */
    public static String eventFlow(String name, String entity, String events, String url) {
        return """
                {
                  "name": "%s",
                  "description": "test flow %s",
                  "entity": "%s",
                  "trigger": {"type": "event", "events": [%s]},
                  "mode": "every-time",
                  "actions": [{"type": "webhook", "url": "%s", "secret": "env:%s",
                               "retry": {"schedule": ["1s"]}}]
                }
                """.formatted(name, name, entity, events, url, SECRET_ENV);
    }

    public static Path writeFlow(Path rules, String name, String json) throws IOException {
        Path file = rules.resolve("flows").resolve(name + ".json");
        Path tmp = Files.createTempFile(rules, name, ".tmp");
        Files.writeString(tmp, json);
        return Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** GET on the connector's local endpoint. */
    public static HttpResponse<String> get(Connector c, String path) throws Exception {
        return get(c.httpPort(), path);
    }

    /** GET on a local endpoint by port (a connector still starting). */
    public static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The HTTP port set by {@link #withHttp()}. */
    public int httpPort() {
        return Integer.parseInt(flags.get("http.port"));
    }
}
