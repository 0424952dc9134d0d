package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentHashTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeEach
    void copyExamples() throws Exception {
        Files.createDirectories(dir.resolve("flows"));
        try (Stream<Path> files = Stream.concat(Stream.of(RulesLoaderTest.EXAMPLES.resolve("entities.json")),
                Files.list(RulesLoaderTest.EXAMPLES.resolve("flows")))) {
            for (Path f : files.toList()) {
                Path target = f.getParent().getFileName().toString().equals("flows")
                        ? dir.resolve("flows").resolve(f.getFileName()) : dir.resolve(f.getFileName());
                Files.copy(f, target);
            }
        }
    }

    String hash(String flow) {
        ValidatedRules r = new RulesLoader(RulesLoaderTest.SECRETS, false).load(dir);
        assertThat(r.problems()).isEmpty();
        return r.rules().flows().get(flow).contentHash();
    }

    @Test
    void reformattingKeepsTheHash() throws Exception {
        String before = hash("invoice-confirmed");
        Path file = dir.resolve("flows/invoice-confirmed.json");
        JsonNode reordered = reverseKeys(JSON.readTree(file.toFile()));
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(reordered)
                .replace(": 1000", ": 1000.00").replace("\n", "\r\n\t"));
        assertThat(Files.readString(file)).contains(": 1000.00");
        assertThat(hash("invoice-confirmed")).isEqualTo(before);

        ((ObjectNode) reordered).put("$schema", "https://example.com/other.json");
        Files.writeString(file, JSON.writeValueAsString(reordered));
        assertThat(hash("invoice-confirmed")).as("$schema is editor metadata").isEqualTo(before);
    }

    @Test
    void changingOnlyTheSecretBehindAReferenceKeepsTheHash() throws Exception {
        // the hash covers the reference (env:NAME, file:PATH), never the value: rotating the secret
        // material behind it must not deactivate the flow
        Path secretFile = dir.resolve("hook-secret");
        Files.writeString(secretFile, "old-secret-value\n");
        Path file = dir.resolve("flows/invoice-confirmed.json");
        String text = Files.readString(file);
        Files.writeString(file, text.replaceFirst("\"secret\": \"env:[A-Z_]+\"",
                "\"secret\": [\"file:" + secretFile.toString().replace("\\", "/") + "\", \"env:STARTYHOOK_DEMO_SECRET\"]"));
        String before = hash("invoice-confirmed");
        Files.writeString(secretFile, "new-secret-value\n");
        assertThat(hash("invoice-confirmed")).isEqualTo(before);
        String withOtherEnvironment = new RulesLoader(new com.startyhook.signing.Secrets(
                java.util.Map.of("STARTYHOOK_DEMO_SECRET", "another value entirely")), false).load(dir)
                .rules().flows().get("invoice-confirmed").contentHash();
        assertThat(withOtherEnvironment).isEqualTo(before);
    }

    @Test
    void editingTheFlowChangesTheHash() throws Exception {
        String before = hash("invoice-confirmed");
        Path file = dir.resolve("flows/invoice-confirmed.json");
        Files.writeString(file, Files.readString(file).replace("\"value\": 1000", "\"value\": 2000"));
        assertThat(hash("invoice-confirmed")).isNotEqualTo(before);
    }

    @Test
    void editingItsEntityChangesTheHashEditingAnotherDoesNot() throws Exception {
        String invoice = hash("invoice-confirmed");
        String project = hash("project-created");
        Path file = dir.resolve("entities.json");
        Files.writeString(file, Files.readString(file).replace("[\"confirmed\", \"processing\", \"done\"]", "[\"confirmed\"]"));
        assertThat(hash("invoice-confirmed")).isNotEqualTo(invoice);
        assertThat(hash("project-created")).isEqualTo(project);
    }

    @Test
    void canonicalJsonSortsKeysAndNormalizesNumbers() throws Exception {
        assertThat(ContentHash.canonical(JSON.readTree("{\"b\": [1.50, true, null], \"a\": {\"y\": \"é\", \"x\": 10}}")))
                .isEqualTo("{\"a\":{\"x\":10,\"y\":\"é\"},\"b\":[1.5,true,null]}");
    }

    private static JsonNode reverseKeys(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.reverse(names);
            ObjectNode out = JSON.createObjectNode();
            names.forEach(n -> out.set(n, reverseKeys(node.get(n))));
            return out;
        }
        if (node.isArray()) {
            var out = JSON.createArrayNode();
            node.forEach(e -> out.add(reverseKeys(e)));
            return out;
        }
        return node;
    }
}
