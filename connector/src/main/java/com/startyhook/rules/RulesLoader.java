package com.startyhook.rules;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.startyhook.net.AddressPolicy;
import com.startyhook.signing.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads a rules directory ({@code entities.json} and {@code flows/*.json}) and validates it
 * statically, without a database. Every problem is collected, each with its file and JSON pointer;
 * a flow with problems is left out of the returned rules, the others load.
 */
public final class RulesLoader {
    public static final String ENTITIES_FILE = "entities.json";
    public static final String FLOWS_DIRECTORY = "flows";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Secrets secrets;
    private final boolean allowInsecureUrls;
    private final AddressPolicy addresses;

    /** Resolves secrets from the process environment and refuses http URLs. */
    public RulesLoader() {
        this(new Secrets(), false);
    }

    /**
     * @param secrets           resolves the actions' secret references (values are only checked, never kept);
     *                          null checks their form only
     * @param allowInsecureUrls accept {@code http://} webhook URLs, for tests against a plain-HTTP receiver
     */
    public RulesLoader(Secrets secrets, boolean allowInsecureUrls) {
        this(secrets, allowInsecureUrls, AddressPolicy.strict());
    }

    /**
     * @param addresses which private networks webhook URLs may name by literal address (the SSRF
     *                  guard; host names are checked when delivery connects)
     */
    public RulesLoader(Secrets secrets, boolean allowInsecureUrls, AddressPolicy addresses) {
        this.secrets = secrets;
        this.allowInsecureUrls = allowInsecureUrls;
        this.addresses = addresses;
    }

    /** This loader with {@code addresses} as the SSRF allowance. */
    public RulesLoader withAddressPolicy(AddressPolicy addresses) {
        return new RulesLoader(secrets, allowInsecureUrls, addresses);
    }

    /**
     * A loader that checks secret references for their form only, without resolving them: for
     * commands that list or report on flows from a shell that does not hold the connector's secrets.
     */
    public static RulesLoader withoutSecretResolution(boolean allowInsecureUrls) {
        return new RulesLoader(null, allowInsecureUrls, AddressPolicy.permissive());
    }

    public ValidatedRules load(Path directory) {
        List<Problem> problems = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            problems.add(new Problem(directory, "", "the rules directory does not exist",
                    "create it with entities.json and flows/, or pass the right directory"));
            return new ValidatedRules(new Rules(directory, Map.of(), Map.of()), problems);
        }
        FileProblems entityProblems = new FileProblems(directory.resolve(ENTITIES_FILE));
        JsonNode entitiesTree = read(entityProblems);
        EntitiesParser.Parsed entities = entitiesTree == null
                ? EntitiesParser.Parsed.unreadable()
                : new EntitiesParser(entityProblems).parse(entitiesTree);
        problems.addAll(entityProblems.list());

        Map<String, List<Flow>> byName = new LinkedHashMap<>();
        for (Path file : flowFiles(directory, problems)) {
            FileProblems flowProblems = new FileProblems(file);
            JsonNode tree = read(flowProblems);
            Flow flow = tree == null ? null : new FlowParser(flowProblems, entities, secrets, allowInsecureUrls, addresses).parse(tree);
            problems.addAll(flowProblems.list());
            if (flow != null) {
                byName.computeIfAbsent(flow.name(), n -> new ArrayList<>()).add(flow);
            }
        }
        Map<String, Flow> flows = new LinkedHashMap<>();
        byName.forEach((name, same) -> {
            if (same.size() == 1) {
                flows.put(name, same.get(0));
                return;
            }
            for (Flow f : same) {
                List<String> others = same.stream().filter(o -> o != f).map(o -> o.file().toString()).toList();
                problems.add(new Problem(f.file(), "/name", "flow name \"" + name + "\" is also used by "
                        + String.join(", ", others), "give each flow a unique name"));
            }
        });
        return new ValidatedRules(new Rules(directory, entities.entities(), flows), problems);
    }

    private static List<Path> flowFiles(Path directory, List<Problem> problems) {
        Path flows = directory.resolve(FLOWS_DIRECTORY);
        if (!Files.isDirectory(flows)) {
            problems.add(new Problem(flows, "", "the flows directory does not exist",
                    "create it and put one flow per .json file in it"));
            return List.of();
        }
        try (Stream<Path> files = Files.list(flows)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f))
                    .sorted().toList();
        } catch (IOException e) {
            problems.add(new Problem(flows, "", "cannot list the flows directory: " + e.getMessage(), "check its permissions"));
            return List.of();
        }
    }

    /** The file's JSON tree, or null after reporting a missing file or a syntax error with line and column. */
    private static JsonNode read(FileProblems problems) {
        Path file = problems.file();
        if (!Files.isRegularFile(file)) {
            problems.add("", "the file does not exist", file.getFileName().toString().equals(ENTITIES_FILE)
                    ? "create it: {\"entities\": {\"customer\": {\"table\": \"erp.customer\", \"key\": [\"id\"]}}}" : "create it");
            return null;
        }
        try {
            JsonNode tree = JSON.readTree(file.toFile());
            if (tree == null || tree.isMissingNode()) {
                problems.add("", "the file is empty", "write a JSON object");
                return null;
            }
            return tree;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            problems.add("", "invalid JSON" + where + ": " + e.getOriginalMessage(),
                    e instanceof JsonParseException && e.getOriginalMessage().startsWith("Duplicate field")
                            ? "remove the repeated field" : "correct the JSON syntax there");
            return null;
        } catch (IOException e) {
            problems.add("", "cannot read the file: " + e.getMessage(), "check that it exists and is readable");
            return null;
        }
    }
}
