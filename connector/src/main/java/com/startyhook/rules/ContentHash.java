package com.startyhook.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * A flow's content hash: SHA-256 (lower-case hex) of the canonical JSON of
 * {@code {"entity": {"name": ..., "definition": ...}, "flow": ...}}, where "flow" is the flow file's
 * content without {@code $schema} and "definition" is the entity's object from entities.json.
 * Canonical JSON has sorted keys, no whitespace and numbers in plain form without trailing zeros,
 * so reformatting a file keeps the hash while any edit of the flow or of its entity changes it.
 */
public final class ContentHash {
    private static final JsonFactory JSON = new JsonFactory();

    private ContentHash() {}

    public static String of(JsonNode flow, String entityName, JsonNode entityDefinition) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode flowContent = flow.deepCopy();
        flowContent.remove("$schema");
        ObjectNode entity = f.objectNode().put("name", entityName);
        entity.set("definition", entityDefinition == null ? f.nullNode() : entityDefinition);
        ObjectNode root = f.objectNode();
        root.set("entity", entity);
        root.set("flow", flowContent);
        return sha256(canonical(root));
    }

    /** Sorted keys, no whitespace, numbers as plain decimals without trailing zeros. */
    public static String canonical(JsonNode node) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            write(g, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, JsonNode node) throws IOException {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            g.writeStartObject();
            for (String name : names) {
                g.writeFieldName(name);
                write(g, node.get(name));
            }
            g.writeEndObject();
        } else if (node.isArray()) {
            g.writeStartArray();
            for (JsonNode element : node) {
                write(g, element);
            }
            g.writeEndArray();
        } else if (node.isNumber()) {
            java.math.BigDecimal d = node.decimalValue();
            // the loader refuses numbers out of range; should one get here, its plain form is never written out
            g.writeNumber(Limits.numberProblem(d) == null ? d.stripTrailingZeros().toPlainString() : d.toString());
        } else if (node.isTextual()) {
            g.writeString(node.textValue());
        } else if (node.isBoolean()) {
            g.writeBoolean(node.booleanValue());
        } else {
            g.writeNull();
        }
    }

    private static String sha256(String text) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(d.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
