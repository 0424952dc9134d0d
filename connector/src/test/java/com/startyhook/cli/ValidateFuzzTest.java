package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21's property: whatever a hand edit does to the shipped rules, {@code validate} exits 0 only
 * when the result is valid, otherwise 1 with the broken file's name in a problem line; never a
 * Java class name or stack trace; always within a bounded time; and, run in a {@code java -Xmx128m},
 * within a small heap. The mutations are structure-aware (a JSON tree edited: a key dropped, a type
 * changed, a value oversized or made invalid; the bytes corrupted; odd entries added to flows/) and
 * each knows whether its result is valid.
 *
 * <p>Seeded: the seed is printed; rerun a failure with {@code -Dstartyhook.fuzz.seed=N}, and try more
 * cases with {@code -Dstartyhook.fuzz.cases=N} (default {@value #DEFAULT_CASES}).
 */
class ValidateFuzzTest {
    static final int DEFAULT_CASES = 400;
    static final Path EXAMPLES = Path.of("..", "rules");
    static final Map<String, String> ENV = Map.of("STARTYHOOK_DEMO_SECRET", "demo-secret-value");
    /** A guard against a hang, not a performance assertion: a case takes milliseconds. */
    static final Duration HANG = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    @TempDir
    Path work;

    /**
     * What a mutation did: which entry of the rules it touched, and whether the rules stay valid
     * (null: either, e.g. a byte flipped at random; if not, the entry is named all the same).
     */
    record Mutation(String description, String entry, Boolean valid) {}

    /** One mutation applied to a fresh copy of the rules in {@code dir}. */
    interface Mutator {
        Mutation apply(Path dir, Random random) throws Exception;
    }

    @Test
    void everyMutationOfTheShippedRulesIsJudgedRightAndReportedSafely() throws Exception {
        long seed = Long.getLong("startyhook.fuzz.seed", System.nanoTime());
        int cases = Integer.getInteger("startyhook.fuzz.cases", DEFAULT_CASES);
        System.out.println("ValidateFuzzTest: seed " + seed + " (rerun with -Dstartyhook.fuzz.seed=" + seed + "), "
                + cases + " cases");
        Random random = new Random(seed);
        List<Mutator> mutators = mutators();
        Path heavy = Files.createDirectories(work.resolve("heavy"));
        ValidateUnsafeRulesTest.copyRules(EXAMPLES, heavy);
        List<Path> heavyFiles = new ArrayList<>();
        int valid = 0;
        long slowest = 0;
        long started = System.nanoTime();
        for (int i = 0; i < cases; i++) {
            Path dir = work.resolve("case-" + i);
            ValidateUnsafeRulesTest.copyRules(EXAMPLES, dir);
            Mutator mutator = mutators.get(random.nextInt(mutators.size()));
            Mutation m = mutator.apply(dir, random);
            String what = "case " + i + " of seed " + seed + ": " + m.description() + " (" + m.entry() + ")";
            long t0 = System.nanoTime();
            Cli r = assertTimeoutPreemptively(HANG, () -> Cli.run(ENV, "validate", "--rules", dir.toString()), what);
            slowest = Math.max(slowest, System.nanoTime() - t0);
            ValidateUnsafeRulesTest.noJava(r);
            if (m.valid() == null && r.exitCode() == ExitCodes.OK) {
                valid++;
            } else if (m.valid() != null && m.valid()) {
                valid++;
                assertThat(r.exitCode()).as(what + "\n" + r.all()).isEqualTo(ExitCodes.OK);
            } else {
                assertThat(r.exitCode()).as(what + "\n" + r.all()).isEqualTo(ExitCodes.PROBLEMS);
                Path entry = dir.resolve(m.entry());
                assertThat(r.out().lines().anyMatch(l -> l.startsWith(entry + ": ")))
                        .as(what + ": a problem line names " + entry + "\n" + r.all()).isTrue();
                if (m.entry().startsWith("flows/") && Files.isRegularFile(entry) && heavyFiles.size() < 60) {
                    Path copy = heavy.resolve("flows/fuzz-" + i + ".json");
                    Files.copy(entry, copy);
                    heavyFiles.add(copy);
                }
            }
            deleteTree(dir);
        }
        System.out.printf("ValidateFuzzTest: %d cases (%d valid) in %d ms, slowest %d ms%n", cases, valid,
                (System.nanoTime() - started) / 1_000_000, slowest / 1_000_000);

        // the broken flow files together, in a JVM with a 128 MiB heap: exit 1, each one named
        ValidateUnsafeRulesTest.Forked forked = ValidateUnsafeRulesTest.Forked.validate(heavy, "-Xmx128m");
        assertThat(forked.exitCode()).as(forked.output()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(forked.output()).doesNotContain("\tat ").doesNotContain("OutOfMemoryError");
        for (Path f : heavyFiles) {
            assertThat(forked.output()).as("names " + f).contains(f + ": ");
        }
    }

    // ---- the mutations -------------------------------------------------------------------------------

    static final String ENTITIES = "entities.json";
    static final List<String> FLOWS = List.of("customer-blocked.json", "customer-details-updated.json",
            "document-deleted.json", "invoice-confirmed.json", "invoice-line-added.json", "project-created.json", "project-status-changed.json",
            "monthly-revenue-milestone.json", "stock-below-reorder-level.json", "stock-changed.json");

    static <T> T pick(Random r, List<T> from) {
        return from.get(r.nextInt(from.size()));
    }

    static String flowEntry(Random r) {
        return "flows/" + pick(r, FLOWS);
    }

    static ObjectNode read(Path file) throws IOException {
        return (ObjectNode) JSON.readTree(file.toFile());
    }

    static void write(Path file, JsonNode tree) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
    }

    /** Edits one flow's tree; {@code edit} returns the mutation's description and validity, or null if it does not apply. */
    static Mutator onFlow(BiFunction<ObjectNode, Random, Object[]> edit) {
        return (dir, r) -> {
            List<String> flows = new ArrayList<>(FLOWS);
            java.util.Collections.shuffle(flows, r);
            for (String name : flows) {
                String entry = "flows/" + name;
                Path file = dir.resolve(entry);
                ObjectNode tree = read(file);
                Object[] result = edit.apply(tree, r);
                if (result != null) {
                    write(file, tree);
                    return new Mutation((String) result[0], entry, (Boolean) result[1]);
                }
            }
            throw new IllegalStateException("the mutation applies to no flow");
        };
    }

    static Object[] result(String description, boolean valid) {
        return new Object[] {description, valid};
    }

    static ObjectNode action(ObjectNode flow) {
        return (ObjectNode) flow.get("actions").get(0);
    }

    static String random(Random r, String alphabet, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** A value of a JSON type other than {@code kind} (string, number, boolean, array, object). */
    static JsonNode otherType(Random r, String kind) {
        List<JsonNode> all = new ArrayList<>(List.of(F.textNode("x"), F.numberNode(7), F.booleanNode(true),
                F.arrayNode().add("x"), F.objectNode().put("x", 1)));
        all.removeIf(n -> kindOf(n).equals(kind));
        return pick(r, all);
    }

    static String kindOf(JsonNode n) {
        return n.isTextual() ? "string" : n.isNumber() ? "number" : n.isBoolean() ? "boolean" : n.isArray() ? "array" : "object";
    }

    List<Mutator> mutators() {
        List<Mutator> m = new ArrayList<>();

        // drop a key: required ones make the flow invalid, optional ones do not
        m.add(onFlow((flow, pad) -> {
            // a condition flow without entity names its element kind in the trigger instead
            String key = pick(pad, flow.has("entity") ? List.of("name", "entity", "trigger", "actions")
                    : List.of("name", "trigger", "actions"));
            flow.remove(key);
            return result("drop required /" + key, false);
        }));
        m.add(onFlow((flow, pad) -> {
            String key = pick(pad, List.of("type", "url", "secret"));
            action(flow).remove(key);
            return result("drop required /actions/0/" + key, false);
        }));
        m.add(onFlow((flow, pad) -> {
            ObjectNode trigger = (ObjectNode) flow.get("trigger");
            List<String> required = trigger.get("type").asText().equals("event") ? List.of("type", "events")
                    : trigger.has("element") ? List.of("type", "element", "query", "interval")
                    : List.of("type", "query", "interval");
            String key = pick(pad, required);
            trigger.remove(key);
            return result("drop required /trigger/" + key, false);
        }));
        m.add(onFlow((flow, pad) -> {
            List<String> present = new ArrayList<>();
            flow.fieldNames().forEachRemaining(present::add);
            present.retainAll(List.of("$schema", "description", "criteria", "organizations", "mode", "context"));
            if (present.isEmpty()) {
                return null;
            }
            String key = pick(pad, present);
            flow.remove(key);
            return result("drop optional /" + key, true);
        }));
        m.add(onFlow((flow, pad) -> {
            ObjectNode a = action(flow);
            List<String> present = new ArrayList<>();
            a.fieldNames().forEachRemaining(present::add);
            present.retainAll(List.of("timeout", "retry", "headers", "scheme"));
            if (present.isEmpty()) {
                return null;
            }
            String key = pick(pad, present);
            a.remove(key);
            return result("drop optional /actions/0/" + key, true);
        }));

        // change a type
        m.add(onFlow((flow, pad) -> {
            Map<String, String> typed = Map.of("name", "string", "description", "string", "entity", "string",
                    "trigger", "object", "mode", "string", "actions", "array");
            String key = pick(pad, List.copyOf(new java.util.TreeSet<>(typed.keySet())));
            JsonNode v = otherType(pad, typed.get(key));
            flow.set(key, v);
            return result("/" + key + " becomes " + v, false);
        }));
        m.add(onFlow((flow, pad) -> {
            Map<String, String> typed = Map.of("type", "string", "url", "string", "timeout", "string", "retry", "object",
                    "headers", "object");
            String key = pick(pad, List.copyOf(new java.util.TreeSet<>(typed.keySet())));
            JsonNode v = otherType(pad, typed.get(key));
            action(flow).set(key, v);
            return result("/actions/0/" + key + " becomes " + v, false);
        }));
        m.add(onFlow((flow, pad) -> {
            ObjectNode trigger = (ObjectNode) flow.get("trigger");
            boolean event = trigger.get("type").asText().equals("event");
            String key = event ? "events" : pick(pad, List.of("query", "interval"));
            JsonNode v = otherType(pad, event ? "array" : "string");
            trigger.set(key, v);
            return result("/trigger/" + key + " becomes " + v, false);
        }));

        // oversize a value
        m.add(onFlow((flow, pad) -> {
            int n = 101 + pad.nextInt(20_000);
            flow.put("name", "n".repeat(n));
            return result("a name of " + n + " characters", false);
        }));
        m.add(onFlow((flow, pad) -> {
            int n = 4001 + pad.nextInt(1_500_000);
            flow.put("description", random(pad, "abc é€ \"\\\n", n));
            return result("a description of " + n + " characters", false);
        }));
        m.add(onFlow((flow, pad) -> {
            int n = 2049 + pad.nextInt(2_000_000);
            action(flow).put("url", "https://hooks.example.com/" + "u".repeat(n));
            return result("a URL of " + n + " characters", false);
        }));
        m.add(onFlow((flow, pad) -> {
            int n = 1001 + pad.nextInt(100_000);
            action(flow).set("headers", F.objectNode().put("X-Big", "v".repeat(n)));
            return result("a header value of " + n + " characters", false);
        }));
        m.add(onFlow((flow, pad) -> {
            int n = 31 + pad.nextInt(5000);
            ArrayNode schedule = F.arrayNode();
            for (int i = 0; i < n; i++) {
                schedule.add("1s");
            }
            action(flow).set("retry", F.objectNode().set("schedule", schedule));
            return result(n + " retry delays", false);
        }));
        m.add(onFlow((flow, pad) -> {
            BigDecimal huge = new BigDecimal((pad.nextBoolean() ? "1e" : "-1e-") + (41 + pad.nextInt(999_999_000)));
            if (pad.nextInt(4) == 0) { // an exponent no number can hold: written as text, the parser refuses it
                String text = pad.nextBoolean() ? "1e99999999999" : "-1e-" + (3_000_000_000L + pad.nextInt(1000));
                flow.set("criteria", F.arrayNode().add(F.objectNode().put("property", "id").put("op", "gt")
                        .set("value", F.rawValueNode(new com.fasterxml.jackson.databind.util.RawValue(text)))));
                return result("a criterion value written as " + text, false);
            }
            flow.set("criteria", F.arrayNode().add(F.objectNode().put("property", "id").put("op", "gt").put("value", huge)));
            return result("a criterion value of " + huge.toString().length() + " characters written as " + huge, false);
        }));
        m.add(onFlow((flow, pad) -> {
            ObjectNode trigger = (ObjectNode) flow.get("trigger");
            if (!trigger.get("type").asText().equals("condition")) {
                return null;
            }
            int n = 20_001 + pad.nextInt(100_000);
            trigger.put("query", "SELECT 1 AS id " + "-".repeat(2) + "x".repeat(n));
            return result("a query of " + n + " characters", false);
        }));

        // invalid values
        m.add(onFlow((flow, pad) -> {
            String d = pick(pad, List.of("PT-1S", "-5s", "25h", "2d", "999999999d", "P999999999999D", "0s", "1 s",
                    "PT99999999999999999999H"));
            action(flow).put("timeout", d);
            return result("timeout " + d, false);
        }));
        m.add(onFlow((flow, pad) -> {
            ObjectNode trigger = (ObjectNode) flow.get("trigger");
            if (!trigger.get("type").asText().equals("condition")) {
                return null;
            }
            String q = pick(pad, List.of("SELECT 1 AS id; DROP TABLE erp.product",
                    "WITH d AS (DELETE FROM erp.product RETURNING id) SELECT id FROM d",
                    "UPDATE erp.product SET name = 'x' RETURNING id", "SELECT id FROM erp.product FOR UPDATE",
                    "SELECT id INTO t FROM erp.product", "DROP TABLE erp.product", "SELECT (1 AS id", ""));
            trigger.put("query", q);
            return result("query " + q, false);
        }));
        m.add(onFlow((flow, pad) -> {
            String url = pick(pad, List.of("https://" + "l".repeat(64) + ".example.com/", "https://"
                    + String.join(".", List.of("a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(63))) + "/",
                    "https://hooks.example.com:99999/", "https://hooks.example.com:0/", "https://user:pass@hooks.example.com/",
                    "ftp://hooks.example.com/", "https:///x", "https://-bad-.example.com/", "https://hooks.example.com\u0000/",
                    "https://169.254.169.254/latest/meta-data", "not a url", "https://hooks_example.com/"));
            action(flow).put("url", url);
            return result("url " + url.replace("\u0000", "\\0"), false);
        }));
        m.add(onFlow((flow, pad) -> {
            ObjectNode headers = F.objectNode();
            int which = pad.nextInt(4);
            switch (which) {
                case 0 -> headers.put("X-Tenant", "demo\r\nX-Injected: 1");
                case 1 -> headers.put("Bad Name", "v");
                case 2 -> headers.put("Content-Type", "text/plain");
                default -> headers.put("X-Tenant", "\u0007bell");
            }
            action(flow).set("headers", headers);
            return result("headers " + headers, false);
        }));
        m.add(onFlow((flow, pad) -> {
            String s = pick(pad, List.of("s3cr3t-literal", "env:", "env:1BAD", "file:/dev/zero", "file:/nonexistent/x\u0000y",
                    "file:/", "env:NOT_SET_ANYWHERE_" + pad.nextInt(1000)));
            action(flow).put("secret", s);
            // an unset variable is only a warning without --db: validate offline is meant for CI
            return result("secret " + s.replace("\u0000", "\\0"), s.startsWith("env:NOT_SET"));
        }));
        m.add(onFlow((flow, pad) -> {
            String key = pick(pad, List.of("critera", "Name", "x"));
            flow.put(key, 1);
            return result("unknown field /" + key, false);
        }));
        m.add(onFlow((flow, pad) -> {
            flow.put("mode", pick(pad, List.of("always", "", "every_time")));
            return result("unknown mode", false);
        }));

        // valid variations
        m.add(onFlow((flow, pad) -> {
            String d = pick(pad, List.of("1ms", "500ms", "30s", "5m", "24h", "1d", "PT1S", "P1D", "PT23H59M"));
            action(flow).put("timeout", d);
            return result("timeout " + d, true);
        }));
        m.add(onFlow((flow, pad) -> {
            int n = pad.nextInt(4001);
            flow.put("description", random(pad, "abc é€ 日本 \"\\\n\t", n));
            return result("a description of " + n + " characters", true);
        }));
        m.add(onFlow((flow, pad) -> {
            action(flow).set("headers", F.objectNode().put("X-Tenant", "a b\tc").put("X-Trace", random(pad, "abc-_.", 1000)));
            return result("valid headers", true);
        }));
        m.add(onFlow((flow, pad) -> {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            flow.fields().forEachRemaining(fields::add);
            java.util.Collections.shuffle(fields, pad);
            flow.removeAll();
            fields.forEach(e -> flow.set(e.getKey(), e.getValue()));
            return result("keys reordered", true);
        }));

        // bytes and encodings
        m.add((dir, r) -> {
            String entry = r.nextInt(4) == 0 ? ENTITIES : flowEntry(r);
            Path file = dir.resolve(entry);
            byte[] text = Files.readAllBytes(file);
            int at = text.length / 2 + r.nextInt(text.length / 2 - 2);
            while (text[at] != '"') {
                at--; // just inside a string or next to one
            }
            byte[][] bad = {{(byte) 0xC0, (byte) 0xAE}, {(byte) 0xFF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                    {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {0}, {1}};
            byte[] insert = bad[r.nextInt(bad.length)];
            byte[] out = new byte[text.length + insert.length];
            System.arraycopy(text, 0, out, 0, at + 1);
            System.arraycopy(insert, 0, out, at + 1, insert.length);
            System.arraycopy(text, at + 1, out, at + 1 + insert.length, text.length - at - 1);
            Files.write(file, out);
            return new Mutation("bytes " + java.util.HexFormat.of().formatHex(insert) + " inserted at " + (at + 1), entry, false);
        });
        m.add((dir, r) -> {
            String entry = r.nextInt(4) == 0 ? ENTITIES : flowEntry(r);
            Path file = dir.resolve(entry);
            String text = Files.readString(file);
            int end = 1 + r.nextInt(text.lastIndexOf('}'));
            Files.writeString(file, text.substring(0, end));
            return new Mutation("truncated to " + end + " characters", entry, false);
        });
        m.add((dir, r) -> {
            String entry = r.nextInt(4) == 0 ? ENTITIES : flowEntry(r);
            Path file = dir.resolve(entry);
            var charset = pick(r, List.of(StandardCharsets.UTF_16, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE));
            Files.write(file, Files.readString(file).getBytes(charset));
            return new Mutation("encoded as " + charset, entry, false);
        });
        m.add((dir, r) -> {
            String entry = r.nextInt(4) == 0 ? ENTITIES : flowEntry(r);
            Path file = dir.resolve(entry);
            byte[] text = Files.readAllBytes(file);
            byte[] out = new byte[text.length + 3];
            out[0] = (byte) 0xEF;
            out[1] = (byte) 0xBB;
            out[2] = (byte) 0xBF;
            System.arraycopy(text, 0, out, 3, text.length);
            Files.write(file, out);
            return new Mutation("a UTF-8 byte order mark", entry, true);
        });
        m.add((dir, r) -> {
            String entry = flowEntry(r);
            Path file = dir.resolve(entry);
            Files.writeString(file, JSON.writeValueAsString(JSON.readTree(file.toFile())) + "\r\n");
            return new Mutation("compact with CRLF", entry, true);
        });

        m.add((dir, r) -> {
            String entry = r.nextInt(4) == 0 ? ENTITIES : flowEntry(r);
            Path file = dir.resolve(entry);
            byte[] text = Files.readAllBytes(file);
            int flips = 1 + r.nextInt(3);
            StringBuilder where = new StringBuilder();
            for (int i = 0; i < flips; i++) {
                int at = r.nextInt(text.length);
                text[at] = (byte) r.nextInt(256);
                where.append(' ').append(at);
            }
            Files.write(file, text);
            return new Mutation("random bytes at" + where, entry, null);
        });

        // odd entries in flows/
        m.add((dir, r) -> {
            Path flows = dir.resolve("flows");
            int which = r.nextInt(6);
            switch (which) {
                case 0 -> Files.writeString(flows.resolve("README.md"), "notes");
                case 1 -> Files.copy(flows.resolve(pick(r, FLOWS)), flows.resolve("backup.json.bak"));
                case 2 -> {
                    Files.createDirectories(flows.resolve("old"));
                    Files.move(flows.resolve(pick(r, FLOWS)), flows.resolve("old/moved.json"));
                }
                case 3 -> Files.createSymbolicLink(flows.resolve("gone.json"), dir.resolve("nowhere.json"));
                case 4 -> Files.createSymbolicLink(flows.resolve("loop.json"), Path.of("loop.json"));
                default -> {
                    String name = pick(r, FLOWS);
                    Files.move(flows.resolve(name), flows.resolve(name.replace(".json", ".JSON")));
                }
            }
            return new Mutation("odd entry " + which + " in flows/ (a warning)", "flows", true);
        });
        m.add((dir, r) -> {
            Path flows = dir.resolve("flows");
            int which = r.nextInt(5);
            String entry = "flows/odd.json";
            switch (which) {
                case 0 -> Files.createDirectories(flows.resolve("odd.json"));
                case 1 -> {
                    if (!ValidateUnsafeRulesTest.mkfifo(flows.resolve("odd.json"))) {
                        Files.createDirectories(flows.resolve("odd.json"));
                    }
                }
                case 2 -> Files.writeString(flows.resolve("odd.json"), "");
                case 3 -> Files.writeString(flows.resolve("odd.json"), "[1, 2]");
                default -> Files.copy(flows.resolve(pick(r, FLOWS)), flows.resolve("odd.json")); // a duplicate name
            }
            return new Mutation("odd flows/odd.json " + which + " (an error)", entry, false);
        });

        // entities.json
        m.add((dir, r) -> {
            Path file = dir.resolve(ENTITIES);
            ObjectNode tree = read(file);
            ObjectNode entities = (ObjectNode) tree.get("entities");
            List<String> names = new ArrayList<>();
            entities.fieldNames().forEachRemaining(names::add);
            ObjectNode entity = (ObjectNode) entities.get(pick(r, names));
            int which = r.nextInt(9);
            String what;
            switch (which) {
                case 6 -> {
                    ObjectNode relation = (ObjectNode) entities.at("/document_line/relations/document");
                    String field = pick(r, List.of("column", "table", "key"));
                    relation.remove(field);
                    what = "a relation without " + field;
                }
                case 7 -> {
                    entity.put("organization", pick(r, List.of("nowhere.organization_id", "document.", "a.b.c.d.e.f")));
                    what = "an organization through an undeclared, unfinished or too long path";
                }
                case 8 -> {
                    ((ObjectNode) entities.at("/document_line/relations/document")).set("relations", otherType(r, "object"));
                    what = "relations that are not an object";
                }
                case 5 -> {
                    BigDecimal huge = new BigDecimal("1e" + (41 + r.nextInt(999_999_000)));
                    entity.set("confirm", F.objectNode().put("property", "status").set("values", F.arrayNode().add(huge)));
                    what = "a confirm value written as " + huge;
                }
                case 0 -> {
                    entity.remove(pick(r, List.of("table", "key")));
                    what = "an entity without table or key";
                }
                case 1 -> {
                    entity.set("table", otherType(r, "string"));
                    what = "a table that is not a string";
                }
                case 2 -> {
                    entity.set("key", F.arrayNode());
                    what = "an empty key";
                }
                case 3 -> {
                    entity.put("table", "t".repeat(1001 + r.nextInt(100_000)));
                    what = "an oversized table name";
                }
                default -> {
                    tree.remove("entities");
                    what = "no entities";
                }
            }
            write(file, tree);
            return new Mutation(what, ENTITIES, false);
        });
        return m;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Iterator<Path> it = s.sorted(Comparator.reverseOrder()).iterator(); it.hasNext(); ) {
                Files.delete(it.next());
            }
        }
    }
}
