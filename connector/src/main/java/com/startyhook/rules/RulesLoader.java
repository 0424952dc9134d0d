package com.startyhook.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.startyhook.net.AddressPolicy;
import com.startyhook.signing.Secrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a rules directory ({@code entities.json} and {@code flows/*.json}) and validates it
 * statically, without a database. Every problem is collected, each with its file and JSON pointer;
 * a flow with problems is left out of the returned rules, the others load. This is the one static
 * validation pass: {@code validate}, {@code flows}, {@code run}'s start and its hot reload all use it,
 * then {@link LiveValidator} when a database is at hand. It never throws for bad input and never
 * blocks: see {@link RuleFiles} for the files and {@link Limits} for the limits.
 */
public final class RulesLoader {
    public static final String ENTITIES_FILE = "entities.json";
    public static final String FLOWS_DIRECTORY = "flows";

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(Limits.DEPTH)
                            .maxNumberLength(Limits.NUMBER_DIGITS)
                            .maxStringLength(Limits.FILE_BYTES)
                            .build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Secrets secrets;
    private final boolean allowInsecureUrls;
    private final AddressPolicy addresses;
    private final boolean secretsRequired;

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
        this(secrets, allowInsecureUrls, addresses, true);
    }

    private RulesLoader(Secrets secrets, boolean allowInsecureUrls, AddressPolicy addresses, boolean secretsRequired) {
        this.secrets = secrets;
        this.allowInsecureUrls = allowInsecureUrls;
        this.addresses = addresses;
        this.secretsRequired = secretsRequired;
    }

    /** This loader with {@code addresses} as the SSRF allowance. */
    public RulesLoader withAddressPolicy(AddressPolicy addresses) {
        return new RulesLoader(secrets, allowInsecureUrls, addresses, secretsRequired);
    }

    /**
     * This loader, except that a secret reference that does not resolve here (an unset variable, a
     * missing or unreadable file) is a warning rather than a problem: an offline {@code validate}, e.g.
     * in a CI job that holds no production secrets. A reference that can never work (a literal, a
     * device, an invalid path, an oversized file) stays a problem. {@code run} never uses this.
     */
    public RulesLoader withUnresolvedSecretsAsWarnings() {
        return new RulesLoader(secrets, allowInsecureUrls, addresses, false);
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
        List<Problem> warnings = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            problems.add(new Problem(directory, "", "the rules directory does not exist",
                    "create it with entities.json and flows/, or pass the right directory"));
            return new ValidatedRules(new Rules(directory, Map.of(), Map.of()), problems);
        }
        FileProblems entityProblems = new FileProblems(directory.resolve(ENTITIES_FILE));
        EntitiesParser.Parsed entities = guarded(entityProblems, () -> {
            JsonNode tree = read(entityProblems);
            return tree == null ? EntitiesParser.Parsed.unreadable() : new EntitiesParser(entityProblems).parse(tree);
        });
        if (entities == null) {
            entities = EntitiesParser.Parsed.unreadable();
        }
        problems.addAll(entityProblems.list());

        Map<String, List<Flow>> byName = new LinkedHashMap<>();
        Path flowsDirectory = directory.resolve(FLOWS_DIRECTORY);
        List<Path> files = List.of();
        if (!Files.isDirectory(flowsDirectory)) {
            problems.add(new Problem(flowsDirectory, "", "the flows directory does not exist",
                    "create it and put one flow per .json file in it"));
        } else {
            RuleFiles.Listing listing = RuleFiles.list(flowsDirectory);
            problems.addAll(listing.errors());
            warnings.addAll(listing.warnings());
            files = listing.flows();
        }
        EntitiesParser.Parsed parsedEntities = entities;
        WebhookChecks checks = new WebhookChecks(secrets, secretsRequired, allowInsecureUrls, addresses);
        for (Path file : files) {
            FileProblems flowProblems = new FileProblems(file);
            Flow flow = guarded(flowProblems, () -> {
                JsonNode tree = read(flowProblems);
                return tree == null ? null
                        : new FlowParser(flowProblems, parsedEntities, checks).parse(tree);
            });
            problems.addAll(flowProblems.list());
            warnings.addAll(flowProblems.warnings());
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
        return new ValidatedRules(new Rules(directory, entities.entities(), flows), problems, warnings);
    }

    /**
     * Runs one file's checks; whatever they throw becomes a problem of that file, so that bad input
     * never reaches anyone as an exception (and one file cannot stop the others from loading).
     */
    private static <T> T guarded(FileProblems problems, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (RuntimeException | StackOverflowError e) {
            problems.add("", "the file could not be checked: " + (e instanceof StackOverflowError ? "it nests too deeply"
                    : Limits.shown(plain(String.valueOf(e.getMessage()).replaceAll("`?(?:[a-z]+\\.)+[A-Z]\\w*`?", "a value")))),
                    "simplify it; if it looks valid, report this message");
            return null;
        }
    }

    /** The file's JSON tree, or null after reporting a missing file or a syntax error with line and column. */
    private static JsonNode read(FileProblems problems) {
        String text = RuleFiles.read(problems);
        if (text == null) {
            return null;
        }
        try {
            JsonNode tree = JSON.readTree(text);
            if (tree == null || tree.isMissingNode()) {
                problems.add("", "the file is empty", "write a JSON object");
                return null;
            }
            Limits.checkTree(tree, "", problems);
            return tree;
        } catch (NumberFormatException e) {
            // an exponent beyond what a number can hold, e.g. 1e99999999999: the parser gives no location
            var value = java.util.regex.Pattern.compile("Value \"([^\"]*)\"").matcher(String.valueOf(e.getMessage()));
            problems.add("", "invalid JSON: the number " + (value.find() ? Limits.shown(value.group(1)) + " " : "")
                    + "is out of range", "write a number between -1e" + Limits.NUMBER_EXPONENT + " and 1e"
                            + Limits.NUMBER_EXPONENT + " (or quote it as a string)");
            return null;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String message = String.valueOf(e.getOriginalMessage());
            problems.add("", "invalid JSON" + where + ": " + plain(message),
                    e instanceof JsonParseException && message.startsWith("Duplicate field")
                            ? "remove the repeated field" : "correct the JSON syntax there");
            return null;
        }
    }

    /** A parser's message for people: no Java class names, no configuration advice, bounded. */
    static String plain(String message) {
        String m = message.replaceAll("\\s*\\(?(?:[a-z]+\\.)+[A-Z]\\w*(?:Exception|Error)\\)?:?", "")
                .replaceAll("\\s*\\(?(?:can be changed|use|see) `?StreamReadConstraints[^)]*\\)?", "")
                .replaceAll("\\s*\\(?(?:[a-z]+\\.)+[A-Z]\\w*[`#.]\\w+[^)]*\\)?", "")
                .strip();
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }
}
