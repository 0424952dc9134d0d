package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: each case that passed {@code validate} although unsafe, crashed it, or was silently
 * ignored, run through the real command line on a copy of the shipped rules. Every one exits 1
 * (or 0 with the described warning), names the file and the field, and shows no Java class name
 * or stack trace. The heaviest ones also run in a separate {@code java -Xmx128m}.
 */
class ValidateUnsafeRulesTest {
    static final Path EXAMPLES = Path.of("..", "rules");
    static final Map<String, String> ENV = Map.of("STARTYHOOK_DEMO_SECRET", "demo-secret-value");
    /** A generous bound against a hang (the cases take well under a second each); not a performance assertion. */
    static final Duration HANG = Duration.ofSeconds(30);

    @TempDir
    Path rules;

    @BeforeEach
    void copyExamples() throws IOException {
        copyRules(EXAMPLES, rules);
    }

    static void copyRules(Path from, Path to) throws IOException {
        Files.createDirectories(to.resolve("flows"));
        Files.copy(from.resolve("entities.json"), to.resolve("entities.json"));
        try (Stream<Path> flows = Files.list(from.resolve("flows"))) {
            for (Path f : flows.toList()) {
                Files.copy(f, to.resolve("flows").resolve(f.getFileName()));
            }
        }
    }

    Path invoice() {
        return rules.resolve("flows/invoice-confirmed.json");
    }

    Path stock() {
        return rules.resolve("flows/stock-changed.json");
    }

    void replace(Path file, String from, String to) throws IOException {
        String before = Files.readString(file);
        assertThat(before).contains(from);
        Files.writeString(file, before.replace(from, to));
    }

    void url(String url) throws IOException {
        replace(invoice(), "https://localhost:8443/hooks/invoice-confirmed", url);
    }

    void query(String query) throws IOException {
        String text = Files.readString(stock());
        Files.writeString(stock(), text.replaceFirst("\"query\": \"[^\"]*\"", "\"query\": \"" + query + "\""));
    }

    Cli validate(String... extra) {
        List<String> args = new ArrayList<>(List.of("validate", "--rules", rules.toString()));
        args.addAll(List.of(extra));
        return assertTimeoutPreemptively(HANG, () -> Cli.run(ENV, args.toArray(String[]::new)));
    }

    /** Exit 1, one problem line naming {@code file} and {@code pointer} and saying {@code texts}; nothing Java-like. */
    static void refused(Cli r, Path file, String pointer, String... texts) {
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).as(r.all()).contains(file + ": " + pointer + (pointer.isEmpty() ? "" : ": "));
        String line = r.out().lines().filter(l -> l.startsWith(file + ": " + pointer)).findFirst().orElseThrow();
        assertThat(line).contains(texts).contains(" — ");
        noJava(r);
    }

    static void noJava(Cli r) {
        assertThat(r.all()).as("no Java class name or stack trace")
                .doesNotContainPattern("(?:java|javax|com|net|org)\\.[a-z]+\\.\\w*(?:Exception|Error)")
                .doesNotContainPattern("\\w+(?:Exception|Error)\\b(?!s)")
                .doesNotContain("\tat ");
    }

    // ---- passed validate though invalid ----------------------------------------------------------

    @Test
    void anOverlongUtf8SequenceInAString() throws IOException {
        byte[] text = Files.readAllBytes(invoice());
        String s = new String(text, StandardCharsets.ISO_8859_1).replace("accounting", "accou\u00c0\u00aenting");
        Files.write(invoice(), s.getBytes(StandardCharsets.ISO_8859_1));
        refused(validate(), invoice(), "", "not valid UTF-8 at byte", "line 4");
    }

    @Test
    void aHostLabelLongerThanDnsAllows() throws IOException {
        url("https://" + "a".repeat(288) + ".example.com/x");
        refused(validate(), invoice(), "/actions/0/url", "label", "more than DNS allows (63)");
    }

    @Test
    void aHostNameLongerThanDnsAllows() throws IOException {
        url("https://" + String.join(".", "a".repeat(60), "b".repeat(60), "c".repeat(60), "d".repeat(60), "e".repeat(60))
                + ".example.com/x");
        refused(validate(), invoice(), "/actions/0/url", "more than DNS allows (253)");
    }

    @Test
    void aPortOutOfRange() throws IOException {
        url("https://hooks.example.com:99999/x");
        refused(validate(), invoice(), "/actions/0/url", "port 99999 is out of range", "1 to 65535");
    }

    @Test
    void hostsThatAreNeitherNamesNorAddresses() throws IOException {
        for (String host : List.of("127.1", "0x7f.1", "999.0.0.1", "-bad-.example.com", "a..example.com")) {
            Files.copy(EXAMPLES.resolve("flows/invoice-confirmed.json"), invoice(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            url("https://" + host + "/x");
            Cli r = validate();
            assertThat(r.exitCode()).as(host + "\n" + r.all()).isEqualTo(ExitCodes.PROBLEMS);
            assertThat(r.out()).as(host).contains(invoice() + ": /actions/0/url: ");
            noJava(r);
        }
    }

    @Test
    void aNegativeRetryDelay() throws IOException {
        replace(invoice(), "\"5s\", \"30s\"", "\"PT-1S\", \"30s\"");
        refused(validate(), invoice(), "/actions/0/retry/schedule/0", "cannot be negative", "PT-1S");
    }

    @Test
    void aConditionQueryOfTwoStatements() throws IOException {
        query("SELECT 1 AS id; DROP TABLE erp.product");
        refused(validate(), stock(), "/trigger/query", "2 statements");
    }

    @Test
    void aConditionQueryWithADataModifyingCte() throws IOException {
        query("WITH d AS (DELETE FROM erp.stock_movement RETURNING id) SELECT id FROM d");
        refused(validate(), stock(), "/trigger/query", "modifies data (DELETE in a WITH)");
    }

    @Test
    void aDataModifyingCteInsideASubqueryAndOtherWritesAreRefusedToo() throws IOException {
        for (String q : List.of(
                "SELECT id FROM (WITH u AS (UPDATE erp.product SET name = 'x' RETURNING id) SELECT id FROM u) s",
                "WITH i AS (INSERT INTO erp.product (name) VALUES ('x') RETURNING id) SELECT id FROM i",
                "SELECT id INTO TEMP t FROM erp.product",
                "SELECT id FROM erp.product FOR UPDATE",
                "DELETE FROM erp.product RETURNING id",
                "SELECT 1 AS id; SELECT 2 AS id")) {
            query(q);
            Cli r = validate();
            assertThat(r.exitCode()).as(q + "\n" + r.all()).isEqualTo(ExitCodes.PROBLEMS);
            assertThat(r.out()).as(q).contains(stock() + ": /trigger/query: ");
            noJava(r);
        }
    }

    @Test
    void aHeaderValueWithCrLf() throws IOException {
        replace(invoice(), "\"timeout\"", "\"headers\": {\"X-Tenant\": \"demo\\r\\nX-Injected: 1\"}, \"timeout\"");
        refused(validate(), invoice(), "/actions/0/headers/X-Tenant", "control character", "\\r\\n");
    }

    @Test
    void aUrlOfFiveMebibytes() throws IOException {
        url("https://hooks.example.com/" + "a".repeat(5 * 1024 * 1024));
        refused(validate(), invoice(), "", "more than 1024 KiB");
    }

    @Test
    void aLongUrlBelowTheFileLimitIsRefusedAtItsField() throws IOException {
        url("https://hooks.example.com/" + "a".repeat(5000));
        refused(validate(), invoice(), "/actions/0/url", "at most 2048");
    }

    // ---- crashed -----------------------------------------------------------------------------------

    @Test
    void aSecretFileThatIsADevice() throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        replace(invoice(), "env:STARTYHOOK_DEMO_SECRET", "file:/dev/zero");
        refused(validate(), invoice(), "/actions/0/secret", "file:/dev/zero", "not a regular file");
    }

    @Test
    void aSecretPathWithANulCharacter() throws IOException {
        replace(invoice(), "env:STARTYHOOK_DEMO_SECRET", "file:/run/secrets/a\\u0000b");
        refused(validate(), invoice(), "/actions/0/secret", "the path is not valid", "\\u0000");
    }

    @Test
    void aSecretFileLargerThan64KiB() throws IOException {
        Path big = Files.write(rules.resolve("big-secret"), new byte[70_000]);
        replace(invoice(), "env:STARTYHOOK_DEMO_SECRET", "file:" + big);
        refused(validate(), invoice(), "/actions/0/secret", "more than 64 KiB");
    }

    @Test
    void aCriterionValueOutOfRange() throws IOException {
        replace(invoice(), "\"value\": 1000", "\"value\": 1e999999999");
        refused(validate(), invoice(), "/criteria/1/value", "out of range");
        replace(invoice(), "1e999999999", "-1e-99999999999");
        refused(validate(), invoice(), "", "the number \"-1e-99999999999\" is out of range");
    }

    @Test
    void aConfirmValueOutOfRangeInEntitiesJsonLeavesTheEntityOutAndNeverReachesTheHash() throws Exception {
        Path entities = rules.resolve("entities.json");
        replace(entities, "\"values\": [\"confirmed\"", "\"values\": [1e999999999, \"confirmed\"");
        Cli r = validate();
        refused(r, entities, "/entities/document/confirm/values/0", "out of range");
        assertThat(r.out()).contains(invoice() + ": /entity: entity \"document\" has problems in entities.json");
        Forked forked = Forked.validate(rules, "-Xmx128m");
        assertThat(forked.exitCode()).as(forked.output()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(forked.output()).contains(entities + ": /entities/document/confirm/values/0: ");
    }

    // ---- silently ignored ----------------------------------------------------------------------------

    @Test
    void aFlowFileNamedInUpperCaseIsLoaded() throws IOException {
        Files.move(stock(), rules.resolve("flows/stock-changed.JSON"));
        Cli r = validate();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).startsWith("10 flows valid, 0 problems");
    }

    @Test
    void aFlowInASubFolderIsAWarning() throws IOException {
        Files.createDirectories(rules.resolve("flows/old"));
        Files.move(stock(), rules.resolve("flows/old/stock-changed.json"));
        Cli r = validate();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("warning: " + rules.resolve("flows/old") + ": sub-folder not read")
                .contains("9 flows valid, 0 problems, 1 warning");
    }

    @Test
    void aFileWithAnotherNameIsAWarning() throws IOException {
        Files.move(stock(), rules.resolve("flows/stock-changed.json.bak"));
        Cli r = validate();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("warning: " + rules.resolve("flows/stock-changed.json.bak") + ": not loaded: only files named *.json");
    }

    @Test
    void aFolderNamedJsonIsAnError() throws IOException {
        Files.createDirectories(rules.resolve("flows/x.json"));
        refused(validate(), rules.resolve("flows/x.json"), "", "it is a folder");
    }

    @Test
    void aDanglingSymbolicLinkAndOneToItselfAreWarnings() throws IOException {
        Files.createSymbolicLink(rules.resolve("flows/gone.json"), rules.resolve("nowhere.json"));
        Files.createSymbolicLink(rules.resolve("flows/self.json"), Path.of("self.json"));
        Cli r = validate();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("warning: " + rules.resolve("flows/gone.json") + ": not loaded: it is a broken symbolic link")
                .contains("warning: " + rules.resolve("flows/self.json") + ": not loaded: it is a broken symbolic link")
                .contains("10 flows valid, 0 problems, 2 warnings");
    }

    @Test
    void aFifoNamedJsonIsAnErrorAndNothingBlocks() throws Exception {
        Path fifo = rules.resolve("flows/f.json");
        assumeTrue(mkfifo(fifo), "mkfifo is available");
        refused(validate(), fifo, "", "a FIFO, device or socket");
    }

    @Test
    void anEntitiesFileThatIsAFifoDoesNotBlockEither() throws Exception {
        Files.delete(rules.resolve("entities.json"));
        assumeTrue(mkfifo(rules.resolve("entities.json")), "mkfifo is available");
        refused(validate(), rules.resolve("entities.json"), "", "not a regular file");
    }

    static boolean mkfifo(Path path) throws InterruptedException {
        try {
            return new ProcessBuilder("mkfifo", path.toString()).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- undecided, decided ------------------------------------------------------------------------

    @Test
    void aUtf8ByteOrderMarkIsAcceptedUtf16IsRefused() throws IOException {
        byte[] text = Files.readAllBytes(invoice());
        byte[] bom = new byte[text.length + 3];
        bom[0] = (byte) 0xEF;
        bom[1] = (byte) 0xBB;
        bom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, bom, 3, text.length);
        Files.write(invoice(), bom);
        Cli r = validate();
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.OK);

        Files.write(invoice(), new String(text, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16));
        refused(validate(), invoice(), "", "UTF-16", "save it as UTF-8");
        Files.write(invoice(), new String(text, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16LE));
        refused(validate(), invoice(), "", "UTF-16");
    }

    @Test
    void credentialsInAUrlAreRefusedAndNotRepeated() throws IOException {
        url("https://user:hunter2@hooks.example.com/x");
        Cli r = validate();
        refused(r, invoice(), "/actions/0/url", "credentials", "\"secret\"");
        assertThat(r.all()).doesNotContain("hunter2");
    }

    @Test
    void aLongFlowNameAndALongDescription() throws IOException {
        replace(invoice(), "\"name\": \"invoice-confirmed\"", "\"name\": \"" + "n".repeat(10_000) + "\"");
        refused(validate(), invoice(), "/name", "too long");

        Files.copy(EXAMPLES.resolve("flows/invoice-confirmed.json"), invoice(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        replace(invoice(), "Send each confirmed invoice", "d".repeat(5000));
        refused(validate(), invoice(), "/description", "too long", "at most 4000");

        replace(invoice(), "d".repeat(5000), "d".repeat(5 * 1024 * 1024));
        refused(validate(), invoice(), "", "more than 1024 KiB");
    }

    @Test
    void aTimeoutLongerThanADay() throws IOException {
        replace(invoice(), "\"timeout\": \"10s\"", "\"timeout\": \"999999999d\"");
        refused(validate(), invoice(), "/actions/0/timeout", "longer than a day");
    }

    @Test
    void durationsThatOverflowAreRefused() throws IOException {
        replace(invoice(), "\"timeout\": \"10s\"", "\"timeout\": \"PT99999999999999999999H\"");
        refused(validate(), invoice(), "/actions/0/timeout", "not a duration");
    }

    // ---- in a small JVM, as a user runs it -------------------------------------------------------

    @Test
    void theCrashersExitOneInASmallHeap() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        replace(invoice(), "env:STARTYHOOK_DEMO_SECRET", "file:/dev/zero");
        replace(invoice(), "\"value\": 1000", "\"value\": 1e999999999");
        replace(stock(), "https://localhost:8443/hooks/stock-changed", "https://hooks.example.com/" + "a".repeat(5 * 1024 * 1024));
        Forked r = Forked.validate(rules, "-Xmx128m");
        assertThat(r.exitCode()).as(r.output()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.output()).contains(invoice() + ": /actions/0/secret: secret file:/dev/zero")
                .contains(invoice() + ": /criteria/1/value: ")
                .contains(stock() + ": the file has more than 1024 KiB")
                .doesNotContain("\tat ").doesNotContain("OutOfMemoryError");
    }

    /** {@code startyhook validate} in its own JVM (the test class path), with the demo secret set. */
    record Forked(int exitCode, String output) {
        static Forked validate(Path rules, String... jvmOptions) throws Exception {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of(jvmOptions));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), StartyHookCommand.class.getName(),
                    "validate", "--rules", rules.toString()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(ENV);
            Process p = pb.start();
            byte[] out = assertTimeoutPreemptively(HANG, () -> p.getInputStream().readAllBytes());
            boolean done = p.waitFor(HANG.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            assertThat(done).as("validate ended").isTrue();
            return new Forked(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        }
    }
}
