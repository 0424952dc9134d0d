package com.startyhook.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.startyhook.rules.Durations;
import com.startyhook.rules.RulesLoader;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The example rules made ready for the demo: copied from the jar ({@code /startyhook/rules}, so
 * the jar works from any directory; the repository's {@code rules/} when the classes run without
 * it) to a directory of the demo's own, with the webhook URLs {@code https://localhost:8443/...}
 * pointed at the demo's receiver and, so that a short demo shows monitor firings, condition
 * intervals capped. Nothing else in the files changes.
 */
public final class DemoRules {
    /** Where the example rules point their webhooks (the port {@code startyhook listen} uses by default). */
    public static final String EXAMPLE_RECEIVER = "https://localhost:8443/";
    static final String CLASSPATH_ROOT = "/startyhook/rules";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A condition flow whose interval the copy shortened. */
    public record ShortenedInterval(String flowFile, Duration original, Duration demo) {}

    private final List<ShortenedInterval> shortened = new ArrayList<>();
    private int rewrittenUrls;

    private DemoRules() {}

    /**
     * Copies the example rules into {@code target} (created if needed).
     *
     * @param receiverPort    port of the demo receiver on localhost
     * @param maxInterval     condition flows with a longer interval scan this often instead
     */
    public static DemoRules copyTo(Path target, int receiverPort, Duration maxInterval) throws IOException {
        DemoRules copy = new DemoRules();
        URL entities = DemoRules.class.getResource(CLASSPATH_ROOT + "/" + RulesLoader.ENTITIES_FILE);
        if (entities != null) {
            URI uri = toUri(entities);
            if ("jar".equals(uri.getScheme())) {
                FileSystem jar;
                boolean opened;
                try {
                    jar = FileSystems.newFileSystem(uri, Map.of());
                    opened = true;
                } catch (FileSystemAlreadyExistsException e) {
                    jar = FileSystems.getFileSystem(uri);
                    opened = false;
                }
                try {
                    copy.copyTree(jar.getPath(CLASSPATH_ROOT), target, receiverPort, maxInterval);
                } finally {
                    if (opened) {
                        jar.close();
                    }
                }
            } else {
                copy.copyTree(Path.of(uri).getParent(), target, receiverPort, maxInterval);
            }
        } else if (Files.isRegularFile(Path.of("rules", RulesLoader.ENTITIES_FILE))) {
            copy.copyTree(Path.of("rules"), target, receiverPort, maxInterval);
        } else {
            throw new IllegalStateException("the example rules are missing: neither " + CLASSPATH_ROOT
                    + " on the classpath nor ./rules; run the demo from the built jar (connector/target/startyhook.jar)");
        }
        return copy;
    }

    private static URI toUri(URL url) {
        try {
            return url.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("unusable resource location " + url, e);
        }
    }

    private void copyTree(Path source, Path target, int port, Duration maxInterval) throws IOException {
        Files.createDirectories(target.resolve(RulesLoader.FLOWS_DIRECTORY));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                Files.write(target.resolve(f.getFileName().toString()), Files.readAllBytes(f));
            }
        }
        try (Stream<Path> files = Files.list(source.resolve(RulesLoader.FLOWS_DIRECTORY))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                String name = f.getFileName().toString();
                JsonNode flow = JSON.readTree(Files.readAllBytes(f));
                rewrite(name, flow, port, maxInterval);
                Files.write(target.resolve(RulesLoader.FLOWS_DIRECTORY).resolve(name), JSON.writeValueAsBytes(flow));
            }
        }
    }

    private void rewrite(String file, JsonNode flow, int port, Duration maxInterval) {
        for (JsonNode action : flow.path("actions")) {
            String url = action.path("url").asText("");
            if (action.isObject() && url.startsWith(EXAMPLE_RECEIVER)) {
                ((ObjectNode) action).put("url", "https://localhost:" + port + "/" + url.substring(EXAMPLE_RECEIVER.length()));
                rewrittenUrls++;
            }
        }
        JsonNode trigger = flow.path("trigger");
        if (trigger.isObject() && "condition".equals(trigger.path("type").asText())) {
            Duration interval = Durations.parse(trigger.path("interval").asText(null));
            if (interval != null && interval.compareTo(maxInterval) > 0) {
                ((ObjectNode) trigger).put("interval", maxInterval.toMillis() + "ms");
                shortened.add(new ShortenedInterval(file, interval, maxInterval));
            }
        }
    }

    public List<ShortenedInterval> shortenedIntervals() {
        return List.copyOf(shortened);
    }

    public int rewrittenUrls() {
        return rewrittenUrls;
    }
}
