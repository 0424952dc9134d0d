package com.startyhook.testsupport;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code startyhook run} as a separate JVM, the way an operator runs it: configured through
 * {@code STARTYHOOK_*} environment variables, its output appended to a log file, killed with
 * SIGKILL ({@link #kill()}), stopped with SIGTERM ({@link #stop()}) and started again
 * ({@link #start()}) as often as a test likes. Started is its {@code /health} endpoint answering past "starting".
 * {@link #close()} kills whatever still runs; a JVM shutdown hook does the same if the test JVM
 * itself goes away, so no process outlives the test.
 */
public final class ConnectorProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Map<String, String> environment;
    private final Path logFile;
    private final Thread shutdownHook;
    private Process process;
    private int httpPort;
    private int starts;

    /**
     * @param name        the process's name in logs, {@code ha.instance-id} and the log file's name
     * @param environment {@code STARTYHOOK_*} settings and the secrets the flows reference;
     *                    {@code STARTYHOOK_HTTP_PORT} is chosen here (a free port at each start)
     * @param logDirectory where {@code <name>.log} is written
     */
    public ConnectorProcess(String name, Map<String, String> environment, Path logDirectory) {
        this.name = name;
        this.environment = new LinkedHashMap<>(environment);
        this.environment.putIfAbsent("STARTYHOOK_HA_INSTANCE_ID", name);
        this.logFile = logDirectory.resolve(name + ".log");
        this.shutdownHook = new Thread(() -> {
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
            }
        }, "kill-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts the process (again) on a fresh free HTTP port and waits until {@code /health} answers
     * with the connector started (no longer waiting for its database or migrating).
     */
    public synchronized ConnectorProcess start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        httpPort = freePort();
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx384m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", testClasspath(),
                "com.startyhook.cli.StartyHookCommand", "run"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("STARTYHOOK_"));
        pb.environment().putAll(environment);
        pb.environment().put("STARTYHOOK_HTTP_PORT", Integer.toString(httpPort));
        try {
            Files.writeString(logFile, "==== " + name + " start #" + (++starts) + " on http port " + httpPort + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + ": " + e.getMessage(), e);
        }
        Process started = process;
        await("/health of " + name + " answering").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!started.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + started.exitValue()
                                + " while starting; its log:\n" + logTail(80));
                    }
                    JsonNode h = health();
                    // /health answers while start waits for the database: started is past "starting"
                    return h != null && !"starting".equals(h.path("details").path("state").asText());
                });
        return this;
    }

    /** SIGKILL: the process dies at once, mid-whatever, as on a crash or an OOM kill. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitForExit(process, Duration.ofSeconds(30));
        }
    }

    /** SIGTERM: a graceful stop; SIGKILL if it has not exited within 60 s. Returns the exit code. */
    public synchronized int stop() {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!waitForExit(process, Duration.ofSeconds(60))) {
            process.destroyForcibly();
            waitForExit(process, Duration.ofSeconds(30));
        }
        return process.exitValue();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public int httpPort() {
        return httpPort;
    }

    /** The parsed {@code /health} answer (200 or 503), or null when nothing answers. */
    public JsonNode health() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                    + "/health")).timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {@code leader} or {@code standby} as {@code /health} says, or null when it does not answer. */
    public String role() {
        JsonNode h = health();
        return h == null ? null : h.path("details").path("role").asText(null);
    }

    /** The capture engine's state on the leader ({@code RUNNING} ...), or null. */
    public String captureState() {
        JsonNode h = health();
        return h == null ? null : h.path("details").path("capture").path("state").asText(null);
    }

    public Path logFile() {
        return logFile;
    }

    /** The last {@code lines} lines of the process's output (for failure messages). */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Kills the process if it still runs. */
    @Override
    public synchronized void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private static boolean waitForExit(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return false;
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The test JVM's classpath: the connector's classes, the test classes and every dependency. */
    private static String testClasspath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** A port free right now on the loopback interface. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
