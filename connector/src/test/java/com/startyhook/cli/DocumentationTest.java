package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.startyhook.config.ConfigCatalogue;
import com.startyhook.config.ConfigKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The README and docker-compose.yml tell people what to type and what to set: every command,
 * option, configuration key and environment variable they name must exist.
 */
class DocumentationTest {
    static final Path REPO = Path.of("..");
    static final Pattern ENV_VAR = Pattern.compile("\\bSTARTYHOOK_[A-Z0-9_]*[A-Z0-9]\\b");
    static final Set<String> SHELL_OPERATORS = Set.of("|", "||", "&&", ";", ">", ">>", "2>", "2>&1", "&", "<");

    /**
     * Commands the README documents before they exist. Each entry must still be in the README (so
     * the list shrinks as commands land) and is reported in the lead's to-do; not a way to hide typos.
     */

    // ---- README: commands ----------------------------------------------------------------------

    @Test
    void everyCommandTheReadmeShowsExistsWithItsOptions() throws IOException {
        List<String> invocations = invocations(read("README.md"), "startyhook.jar ");
        assertThat(invocations).as("README.md shows commands").isNotEmpty();
        List<String> problems = new ArrayList<>();
        for (String invocation : invocations) {
            problems.addAll(check(invocation));
        }
        assertThat(problems).as("commands in README.md that the CLI does not accept").isEmpty();
    }

    @Test
    void theCheckerFindsCommandsInCodeBlocksAndInlineCodeAndRejectsUnknownOnes() {
        String doc = """
                Run `java -jar startyhook.jar verify --secret-env X --timestamp 1
                --signature ab --body b.json --no-tolerance` to check one.
                ```bash
                java -jar startyhook.jar flows activate --all --rules rules \\
                    --db jdbc:postgresql://h/erp   # a comment --not-an-option
                java -jar startyhook.jar run --rules=rules && echo --ignored
                java -jar startyhook.jar flows activate --everything
                java -jar startyhook.jar teleport --now
                ```
                """;
        List<String> found = invocations(doc, "startyhook.jar ");
        assertThat(found).hasSize(5);
        assertThat(check(found.get(0))).isEmpty();
        assertThat(check(found.get(1))).isEmpty();
        assertThat(check(found.get(2))).isEmpty();
        assertThat(check(found.get(3))).singleElement().asString().contains("--everything").contains("flows activate");
        assertThat(check(found.get(4))).singleElement().asString().contains("teleport");
    }

    /** The text after each occurrence of {@code marker}: to the end of an inline code span, or of a (continued) line. */
    static List<String> invocations(String markdown, String marker) {
        List<String> result = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        boolean fenced = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            int at = line.indexOf(marker);
            while (at >= 0) {
                String rest = line.substring(at + marker.length());
                long ticksBefore = line.substring(0, at).chars().filter(c -> c == '`').count();
                StringBuilder text = new StringBuilder();
                if (!fenced && ticksBefore % 2 == 1) {
                    // inline code: up to the closing backtick, which may be on a following line
                    int j = i;
                    while (rest.indexOf('`') < 0 && j + 1 < lines.length) {
                        text.append(rest).append(' ');
                        rest = lines[++j];
                    }
                    text.append(rest.indexOf('`') < 0 ? rest : rest.substring(0, rest.indexOf('`')));
                } else {
                    int j = i;
                    while (rest.stripTrailing().endsWith("\\") && j + 1 < lines.length) {
                        String r = rest.stripTrailing();
                        text.append(r, 0, r.length() - 1).append(' ');
                        rest = lines[++j];
                    }
                    text.append(rest);
                }
                result.add(text.toString().strip());
                at = line.indexOf(marker, at + marker.length());
            }
        }
        return result;
    }

    /** Words of a shell command line up to its end: an operator or a comment ends it. */
    static List<String> tokens(String commandLine) {
        List<String> tokens = new ArrayList<>();
        for (String t : commandLine.strip().split("\\s+")) {
            if (t.isEmpty()) {
                continue;
            }
            if (SHELL_OPERATORS.contains(t) || t.startsWith("#")) {
                break;
            }
            tokens.add(t);
        }
        return tokens;
    }

    /** What is wrong with one invocation (after {@code startyhook}): unknown command, subcommand or option. */
    static List<String> check(String invocation) {
        List<String> problems = new ArrayList<>();
        CommandSpec spec = StartyHookCommand.newCommandLine().getCommandSpec();
        String path = "startyhook";
        boolean valueExpected = false;
        for (String token : tokens(invocation)) {
            if (token.startsWith("-")) {
                String name = token.contains("=") ? token.substring(0, token.indexOf('=')) : token;
                CommandLine.Model.OptionSpec option = spec.findOption(name);
                if (option == null) {
                    problems.add("`" + invocation + "`: " + path + " has no option " + name + " (it has "
                            + spec.options().stream().map(o -> o.longestName()).sorted().toList() + ")");
                }
                valueExpected = option != null && !token.contains("=") && option.arity().min() > 0;
            } else if (valueExpected) {
                valueExpected = false;
            } else if (spec.subcommands().containsKey(token)) {
                spec = spec.subcommands().get(token).getCommandSpec();
                path += " " + token;
            } else if (spec.parent() == null) {
                problems.add("`" + invocation + "`: startyhook has no command " + token + " (commands: "
                        + spec.subcommands().keySet() + ")");
                break;
            }
            // else: a positional parameter (flow names, ids...)
        }
        return problems;
    }

    // ---- README and docker-compose.yml: configuration ------------------------------------------

    @Test
    void everyEnvironmentVariableTheReadmeNamesIsReadBySomething() throws IOException {
        Set<String> known = knownEnvironmentVariables();
        Set<String> named = new TreeSet<>();
        Matcher m = ENV_VAR.matcher(read("README.md"));
        while (m.find()) {
            named.add(m.group());
        }
        assertThat(named).as("STARTYHOOK_* variables named in README.md that neither the configuration catalogue,"
                + " logback.xml nor the example rules read").isSubsetOf(known);
    }

    @Test
    void dockerComposeSetsOnlyKnownVariablesAndItsServicesAgree() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(read("docker-compose.yml"));
        Set<String> known = knownEnvironmentVariables();
        Map<String, Map<String, String>> env = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = compose.path("services").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> service = it.next();
            Map<String, String> vars = new LinkedHashMap<>();
            service.getValue().path("environment").fields().forEachRemaining(e -> vars.put(e.getKey(), e.getValue().asText()));
            env.put(service.getKey(), vars);
            assertThat(vars.keySet().stream().filter(v -> v.startsWith("STARTYHOOK_")))
                    .as("STARTYHOOK_* variables of service %s", service.getKey()).allMatch(known::contains);
        }
        JsonNode services = compose.path("services");
        Map<String, String> connector = env.get("connector");
        assertThat(connector).as("docker-compose.yml has a connector service with an environment").isNotNull();

        // the console's port: STARTYHOOK_HTTP_PORT is the container side of a published port, bound beyond localhost
        String httpPort = connector.get(ConfigCatalogue.get("http.port").environmentVariable());
        List<String> published = new ArrayList<>();
        services.path("connector").path("ports").forEach(p -> published.add(p.asText()));
        assertThat(published.stream().map(p -> p.substring(p.lastIndexOf(':') + 1)))
                .as("connector ports %s publish STARTYHOOK_HTTP_PORT=%s", published, httpPort).contains(httpPort);
        assertThat(connector.get(ConfigCatalogue.get("http.bind").environmentVariable()))
                .as("a published console must bind beyond 127.0.0.1").isEqualTo("0.0.0.0");

        // the database URL names the postgres service and its database
        String dbUrl = connector.get(ConfigCatalogue.get("db.url").environmentVariable());
        String database = env.get("postgres").get("POSTGRES_DB");
        assertThat(dbUrl).as("connector's STARTYHOOK_DB_URL").isEqualTo("jdbc:postgresql://postgres:5432/" + database);
        assertThat(connector.get("STARTYHOOK_DB_USER")).isEqualTo(env.get("postgres").get("POSTGRES_USER"));
        assertThat(connector.get("STARTYHOOK_DB_PASSWORD")).isEqualTo(env.get("postgres").get("POSTGRES_PASSWORD"));

        // the receiver: listens where the example rules send, writes the CA bundle the connector trusts,
        // checks signatures with the secret the rules reference, with the same value as the connector's
        List<String> listen = command(services.path("receiver").path("entrypoint"));
        assertThat(check(String.join(" ", listen.subList(1, listen.size())))).isEmpty();
        assertThat(listen).containsSequence("--cert-file", connector.get("STARTYHOOK_DELIVERY_CA_BUNDLE"));
        assertThat(connector.get("STARTYHOOK_DELIVERY_ALLOWED_PRIVATE_HOSTS"))
                .as("the connector may deliver to the receiver on localhost (SSRF guard)").isEqualTo("localhost");
        String port = listen.get(listen.indexOf("--port") + 1);
        String secretVariable = listen.get(listen.indexOf("--secret-env") + 1);
        for (Path flow : flowFiles()) {
            String text = Files.readString(flow, StandardCharsets.UTF_8);
            assertThat(text).as("%s sends to the compose receiver", flow).contains("https://localhost:" + port + "/");
            assertThat(text).as("%s signs with the receiver's secret", flow).contains("env:" + secretVariable);
        }
        assertThat(env.get("receiver").get(secretVariable)).isNotBlank().isEqualTo(connector.get(secretVariable));
        assertThat(services.path("receiver").path("network_mode").asText())
                .as("the rules' localhost URLs reach the receiver only in the connector's network namespace")
                .isEqualTo("service:connector");

        // the rules directory is where the image puts the example rules
        assertThat(read("Dockerfile")).contains("COPY rules " + connector.get("STARTYHOOK_RULES_DIR"));

        // every startyhook command of the entrypoints exists with its options
        String connectorEntrypoint = String.join(" ", command(services.path("connector").path("entrypoint")));
        List<String> inScript = invocations(connectorEntrypoint.replace("exec startyhook ", "startyhook "), "startyhook ");
        assertThat(inScript).isNotEmpty();
        inScript.forEach(i -> assertThat(check(i)).as(i).isEmpty());
    }

    private static List<String> command(JsonNode entrypoint) {
        List<String> words = new ArrayList<>();
        if (entrypoint.isArray()) {
            entrypoint.forEach(w -> words.add(w.asText()));
        } else {
            words.addAll(Arrays.asList(entrypoint.asText().split("\\s+")));
        }
        return words;
    }

    /** Catalogue variables, the log levels logback.xml reads, and the secrets the example rules reference. */
    static Set<String> knownEnvironmentVariables() throws IOException {
        Set<String> known = ConfigCatalogue.keys().stream().map(ConfigKey::environmentVariable)
                .collect(Collectors.toCollection(TreeSet::new));
        Matcher logback = Pattern.compile("\\$\\{(STARTYHOOK_[A-Z0-9_]+)").matcher(
                Files.readString(Path.of("src/main/resources/logback.xml"), StandardCharsets.UTF_8));
        while (logback.find()) {
            known.add(logback.group(1));
        }
        Pattern secretRef = Pattern.compile("\"env:(STARTYHOOK_[A-Z0-9_]+)\"");
        for (Path flow : flowFiles()) {
            Matcher m = secretRef.matcher(Files.readString(flow, StandardCharsets.UTF_8));
            while (m.find()) {
                known.add(m.group(1));
            }
        }
        return known;
    }

    // ---- README: configuration table -----------------------------------------------------------

    @Test
    void theReadmeConfigurationReferenceListsEveryKeyWithItsDefaultAndVariable() throws IOException {
        String readme = read("README.md");
        int start = readme.indexOf("\n## Configuration reference");
        assertThat(start).as("README.md has a '## Configuration reference' section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : section.split("\n")) {
            Matcher row = Pattern.compile("^\\|\\s*`([a-z0-9.-]+)`\\s*\\|(.*)$").matcher(line);
            if (row.matches()) {
                rows.put(row.group(1), row.group(2));
            }
        }
        List<String> problems = new ArrayList<>();
        for (ConfigKey k : ConfigCatalogue.keys()) {
            String row = rows.get(k.key());
            if (row == null) {
                problems.add(k.key() + ": no row");
            } else if (!row.contains("`" + k.environmentVariable() + "`")) {
                problems.add(k.key() + ": row does not name " + k.environmentVariable());
            } else if (k.defaultValue() != null && !row.contains("`" + k.defaultValue() + "`")) {
                problems.add(k.key() + ": row does not give the default `" + k.defaultValue() + "`");
            }
        }
        rows.keySet().stream().filter(k -> ConfigCatalogue.get(k) == null)
                .forEach(k -> problems.add(k + ": in the README table but not in the catalogue"));
        assertThat(problems).as("README.md's configuration reference against ConfigCatalogue").isEmpty();
    }

    private static List<Path> flowFiles() throws IOException {
        try (Stream<Path> s = Files.list(REPO.resolve("rules/flows"))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static String read(String file) throws IOException {
        return Files.readString(REPO.resolve(file), StandardCharsets.UTF_8);
    }
}
