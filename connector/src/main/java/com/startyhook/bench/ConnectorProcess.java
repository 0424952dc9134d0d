package com.startyhook.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The connector in a process of its own, as the Docker image runs it: {@code java -Xmx256m -jar
 * startyhook.jar run --set KEY=VALUE ...}, secrets in its environment (never on its command line),
 * its output in a log file. Stopped with SIGTERM, as an orchestrator stops it.
 */
final class ConnectorProcess {
    static final String HEAP = "-Xmx256m";

    private final Process process;
    private final Path log;

    private ConnectorProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code startyhook.jar run} with {@code settings} as --set flags and {@code environment} added to its own. */
    static ConnectorProcess start(Path jar, Map<String, String> settings, Map<String, String> environment, Path log)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, "-jar", jar.toString(), "run"));
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().putAll(environment);
        return new ConnectorProcess(builder.start(), log);
    }

    /**
     * The connector's jar: the one the benchmark runs from, else {@code startyhook.jar} beside the
     * classes directory it runs from (a build's {@code connector/target}), else
     * {@code connector/target/startyhook.jar} under the working directory.
     */
    static Path jar() {
        List<Path> candidates = new ArrayList<>();
        try {
            Path here = Path.of(ConnectorProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(here) && here.toString().endsWith(".jar")) {
                return here;
            }
            if (here.getParent() != null) {
                candidates.add(here.getParent().resolve("startyhook.jar"));
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code source: look in the working directory only
        }
        candidates.add(Path.of("connector", "target", "startyhook.jar"));
        candidates.add(Path.of("target", "startyhook.jar"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        throw new IllegalStateException("the benchmark runs the connector as java " + HEAP + " -jar startyhook.jar run,"
                + " but found no startyhook.jar (looked at " + candidates + "); build it first with mvn -B -q package"
                + " -DskipTests, or run the benchmark from the jar (java -jar connector/target/startyhook.jar bench)");
    }

    long pid() {
        return process.pid();
    }

    /** Fails, with the end of its log, when the process has ended. */
    void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the connector process ended with exit code " + process.exitValue()
                    + "; the end of its log (" + log + "):\n" + tail());
        }
    }

    /** Stops it with SIGTERM and waits up to 60 s (then kills it); returns its exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** The last 40 lines of its log. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
