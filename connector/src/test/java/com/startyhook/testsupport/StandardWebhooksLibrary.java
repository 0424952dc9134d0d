package com.startyhook.testsupport;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The official Standard Webhooks library (npm package {@code standardwebhooks}, installed by
 * {@code npm ci} in {@code connector/src/test/node}), run with Node.js: an implementation of the
 * specification independent of the connector, to verify its deliveries and to sign payloads for
 * its {@code verify} command. Tests using it are skipped, saying why, only when Node.js is not
 * installed; with Node.js but without the package they fail, saying how to install it.
 */
public final class StandardWebhooksLibrary {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIRECTORY = Path.of("src", "test", "node").toAbsolutePath();

    private final String node;

    private StandardWebhooksLibrary(String node) {
        this.node = node;
    }

    /** The library, or the calling test is skipped when no {@code node} is on the PATH. */
    public static StandardWebhooksLibrary require() {
        String node = findNode();
        Assumptions.assumeTrue(node != null, "Node.js is not installed (no 'node' on the PATH): the interop check "
                + "with the official standardwebhooks library is skipped");
        if (!Files.isDirectory(DIRECTORY.resolve("node_modules").resolve("standardwebhooks"))) {
            fail("Node.js is installed but the standardwebhooks package is not: run `npm ci --prefix "
                    + "connector/src/test/node` (.ci/run does)");
        }
        return new StandardWebhooksLibrary(node);
    }

    private static String findNode() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "node");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** Null when the library accepts the delivery, else its error message. */
    public String verify(String secret, Map<String, String> headers, byte[] body) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", "verify");
        request.put("secret", secret);
        request.put("headers", headers);
        request.put("bodyBase64", Base64.getEncoder().encodeToString(body));
        JsonNode answer = call(request);
        return answer.path("ok").asBoolean() ? null : answer.path("error").asText("no answer");
    }

    /** The library's {@code v1,…} signature of {@code body}. */
    public String sign(String secret, String id, long timestamp, byte[] body) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", "sign");
        request.put("secret", secret);
        request.put("id", id);
        request.put("timestamp", timestamp);
        request.put("bodyBase64", Base64.getEncoder().encodeToString(body));
        return call(request).path("signature").asText();
    }

    private JsonNode call(Map<String, Object> request) {
        try {
            Process p = new ProcessBuilder(node, DIRECTORY.resolve("standard-webhooks.mjs").toString())
                    .directory(DIRECTORY.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(JSON.writeValueAsBytes(request)); // the secret goes on stdin, never on a command line
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("node standard-webhooks.mjs did not finish within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("node standard-webhooks.mjs failed (exit " + p.exitValue() + ")");
            }
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run node: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
