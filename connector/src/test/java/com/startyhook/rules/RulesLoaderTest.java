package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.signing.Secrets;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesLoaderTest {
    static final Path EXAMPLES = Path.of("..", "rules");
    static final Secrets SECRETS = new Secrets(Map.of("HOOK_SECRET", "s3cr3t-value", "STARTYHOOK_DEMO_SECRET", "demo"));
    static final String ENTITIES = """
            {"entities": {
              "customer": {"table": "erp.customer", "key": ["id"], "organization": "organization_id"},
              "document": {"table": "erp.document", "key": ["id"], "created": "created_at",
                           "confirm": {"property": "status", "values": ["confirmed", "done"]}}
            }}""";
    static final String ACTION = """
            {"type": "webhook", "url": "https://hooks.example.com/x", "secret": "env:HOOK_SECRET"}""";

    @TempDir
    Path dir;

    /** A flow on document with the given trigger (and extra top-level fields), as JSON text. */
    static String flow(String name, String trigger, String extra) {
        return "{\"name\": \"" + name + "\", \"entity\": \"document\", \"trigger\": " + trigger
                + (extra.isEmpty() ? "" : ", " + extra) + ", \"actions\": [" + ACTION + "]}";
    }

    static String eventFlow(String trigger) {
        return flow("f", trigger, "");
    }

    ValidatedRules load(String entities, Map<String, String> flows) throws Exception {
        Files.createDirectories(dir.resolve("flows"));
        Files.writeString(dir.resolve("entities.json"), entities);
        for (var f : flows.entrySet()) {
            Files.writeString(dir.resolve("flows").resolve(f.getKey()), f.getValue());
        }
        return new RulesLoader(SECRETS, false).load(dir);
    }

    ValidatedRules loadFlow(String json) throws Exception {
        return load(ENTITIES, Map.of("f.json", json));
    }

    /** Asserts exactly one problem, in flows/f.json at {@code pointer}, whose text contains each of {@code texts}. */
    Problem single(ValidatedRules r, String pointer, String... texts) {
        assertThat(r.problems()).as("problems").hasSize(1);
        Problem p = r.problems().get(0);
        assertThat(p.file()).isEqualTo(dir.resolve("flows/f.json"));
        assertThat(p.pointer()).isEqualTo(pointer);
        assertThat(p.toString()).contains(texts);
        assertThat(r.rules().flows()).as("a flow with problems is left out").isEmpty();
        return p;
    }

    @Test
    void theExampleRulesLoadClean() {
        ValidatedRules r = new RulesLoader(SECRETS, false).load(EXAMPLES);
        assertThat(r.problems()).isEmpty();
        assertThat(r.rules().entities()).containsOnlyKeys("customer", "project", "product", "document", "document_line", "stock_movement");
        assertThat(r.rules().flows()).hasSizeGreaterThanOrEqualTo(7);
        Set<EventType> covered = new java.util.HashSet<>();
        r.rules().flows().values().stream().filter(f -> f.trigger() instanceof EventTrigger)
                .forEach(f -> covered.addAll(((EventTrigger) f.trigger()).events()));
        assertThat(covered).containsExactlyInAnyOrder(EventType.values());
        assertThat(r.rules().flows().values()).filteredOn(Flow::isCondition).hasSizeGreaterThanOrEqualTo(2);
        assertThat(r.rules().flows().values()).extracting(Flow::mode).contains(ExecutionMode.values());
        assertThat(r.rules().flows().values()).anyMatch(f -> !f.organizations().all());
    }

    @Test
    void aValidFlowLoadsWithItsValuesAndDefaults() throws Exception {
        ValidatedRules r = loadFlow(flow("big-invoice", """
                {"type": "event", "events": ["become", "update"], "property": "status", "value": null, "properties": ["total"]}""",
                "\"criteria\": [{\"property\": \"total\", \"op\": \"gte\", \"value\": 1000.50},"
                        + " {\"property\": \"doc_type\", \"op\": \"in\", \"value\": [\"invoice\", 7, true]},"
                        + " {\"property\": \"due_date\", \"op\": \"not_null\"}]"));
        assertThat(r.problems()).isEmpty();
        Flow f = r.rules().flows().get("big-invoice");
        assertThat(f.description()).isEmpty();
        assertThat(f.mode()).isEqualTo(ExecutionMode.EVERY_TIME);
        assertThat(f.organizations()).isEqualTo(OrganizationScope.ALL);
        EventTrigger t = (EventTrigger) f.trigger();
        assertThat(t.events()).containsExactlyInAnyOrder(EventType.BECOME, EventType.UPDATE);
        assertThat(t.value()).as("an explicit null is a value").isNull();
        assertThat(t.needsOldValues()).isTrue();
        assertThat(f.criteria()).containsExactly(
                new Criterion("total", Criterion.Operator.GTE, new BigDecimal("1000.5")),
                new Criterion("doc_type", Criterion.Operator.IN, List.of("invoice", new BigDecimal("7"), true)),
                new Criterion("due_date", Criterion.Operator.NOT_NULL, null));
        WebhookAction a = f.actions().get(0);
        assertThat(a.timeout()).isEqualTo(WebhookAction.DEFAULT_TIMEOUT);
        assertThat(a.retrySchedule()).isEqualTo(WebhookAction.DEFAULT_RETRY_SCHEDULE);
        assertThat(a.secret()).isEqualTo("env:HOOK_SECRET");
        assertThat(f.file()).isEqualTo(dir.resolve("flows/f.json"));
        assertThat(f.contentHash()).matches("[0-9a-f]{64}");
    }

    @Test
    void conditionTriggersAndDurationsInBothNotations() throws Exception {
        ValidatedRules r = loadFlow(flow("cond", """
                {"type": "condition", "query": "SELECT id FROM erp.document WHERE updated_at > :since", "interval": "PT5M",
                 "timeout": "500ms", "fireOnFirstScan": true}""", """
                "mode": "once-per-element", "organizations": ["1", 7]"""));
        assertThat(r.problems()).isEmpty();
        Flow f = r.rules().flows().get("cond");
        assertThat(f.trigger()).isEqualTo(new ConditionTrigger("SELECT id FROM erp.document WHERE updated_at > :since",
                Duration.ofMinutes(5), Duration.ofMillis(500), true));
        assertThat(f.mode()).isEqualTo(ExecutionMode.ONCE_PER_ELEMENT);
        assertThat(f.organizations()).isEqualTo(OrganizationScope.of(Set.of("1", "7")));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("30 seconds")).isNull();
    }

    // ---- broken files: each names its file, pointer, message and fix ----

    @Test
    void jsonSyntaxErrorsNameLineAndColumn() throws Exception {
        ValidatedRules r = loadFlow("{\n  \"name\": \"f\"\n  \"entity\": \"document\"\n}");
        single(r, "", "invalid JSON at line 3, column 3", "correct the JSON syntax");
    }

    @Test
    void aRepeatedFieldIsASyntaxError() throws Exception {
        ValidatedRules r = loadFlow("{\"name\": \"f\", \"name\": \"g\"}");
        single(r, "", "Duplicate field 'name'", "remove the repeated field");
    }

    @Test
    void unknownFieldsSuggestTheCloseOne() throws Exception {
        ValidatedRules r = loadFlow(flow("f", "{\"type\": \"event\", \"events\": [\"create\"]}", "\"critera\": []"));
        single(r, "/critera", "unknown field \"critera\" in a flow", "did you mean \"criteria\"?");
        r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"create\"], \"fire_on_first_scan\": true}"));
        single(r, "/trigger/fire_on_first_scan", "unknown field", "the fields of an event trigger are type, events");
    }

    @Test
    void missingRequiredFields() throws Exception {
        ValidatedRules r = loadFlow("{\"name\": \"f\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]}, \"actions\": [" + ACTION + "]}");
        single(r, "/entity", "a flow has no \"entity\"", "add the required field \"entity\"");
    }

    @Test
    void unknownEntity() throws Exception {
        ValidatedRules r = loadFlow(flow("f", "{\"type\": \"event\", \"events\": [\"create\"]}", "").replace("\"document\"", "\"documnet\""));
        single(r, "/entity", "unknown entity \"documnet\"", "did you mean \"document\"?");
    }

    @Test
    void unknownEvent() throws Exception {
        ValidatedRules r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"create\", \"confrim\"]}"));
        single(r, "/trigger/events/1", "unknown event \"confrim\"", "did you mean \"confirm\"?");
    }

    @Test
    void becomeNeedsAValue() throws Exception {
        ValidatedRules r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"become\"], \"property\": \"status\"}"));
        Problem p = single(r, "/trigger/value", "become needs a value", "add \"value\": \"blocked\"");
        assertThat(p.toString()).startsWith(dir.resolve("flows/f.json") + ": /trigger/value: become needs a value — add");
    }

    @Test
    void changeNeedsAProperty() throws Exception {
        ValidatedRules r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"change\"]}"));
        single(r, "/trigger/property", "change needs a property", "add \"property\"");
    }

    @Test
    void propertyAndPropertiesOnlyWhereTheyMeanSomething() throws Exception {
        ValidatedRules r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"create\"], \"properties\": [\"total\"]}"));
        single(r, "/trigger/properties", "only used with the update event", "add \"update\" to \"events\"");
        r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"update\"], \"property\": \"total\"}"));
        single(r, "/trigger/property", "only used by the change and become events");
        r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"change\"], \"property\": \"status\", \"value\": 1}"));
        single(r, "/trigger/value", "only used by the become event");
    }

    @Test
    void confirmNeedsTheEntitysConfirmDefinition() throws Exception {
        ValidatedRules r = loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"confirm\"]}").replace("\"document\"", "\"customer\""));
        single(r, "/trigger/events/0", "confirm needs entity \"customer\" to have a confirm definition",
                "add \"confirm\": {\"property\"");
    }

    @Test
    void badDurations() throws Exception {
        ValidatedRules r = loadFlow(eventFlow("{\"type\": \"condition\", \"query\": \"SELECT 1 AS id\", \"interval\": \"30 seconds\"}"));
        single(r, "/trigger/interval", "not a duration: \"30 seconds\"", "\"30s\"", "PT30S");
        r = loadFlow(eventFlow("{\"type\": \"condition\", \"query\": \"SELECT 1 AS id\", \"interval\": \"0s\"}"));
        single(r, "/trigger/interval", "greater than zero");
    }

    @Test
    void conditionQueriesMustBeSelects() throws Exception {
        ValidatedRules r = loadFlow(eventFlow("{\"type\": \"condition\", \"query\": \"DELETE FROM erp.document RETURNING id\", \"interval\": \"1m\"}"));
        single(r, "/trigger/query", "read-only SELECT");
        r = loadFlow(eventFlow("{\"type\": \"condition\", \"query\": \"-- below\\n with x as (select 1 as id) select * from x\", \"interval\": \"1m\"}"));
        assertThat(r.problems()).isEmpty();
    }

    @Test
    void duplicateFlowNamesNameBothFiles() throws Exception {
        String same = eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}");
        ValidatedRules r = load(ENTITIES, Map.of("a.json", same, "b.json", same));
        assertThat(r.problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
                dir.resolve("flows/a.json") + ": /name: flow name \"f\" is also used by " + dir.resolve("flows/b.json")
                        + " — give each flow a unique name",
                dir.resolve("flows/b.json") + ": /name: flow name \"f\" is also used by " + dir.resolve("flows/a.json")
                        + " — give each flow a unique name");
        assertThat(r.rules().flows()).isEmpty();
    }

    @Test
    void insecureUrlsOnlyWithTheExplicitOption() throws Exception {
        String http = eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}").replace("https://", "http://");
        single(loadFlow(http), "/actions/0/url", "insecure URL", "use https://");
        ValidatedRules allowed = new RulesLoader(SECRETS, true).load(dir);
        assertThat(allowed.problems()).isEmpty();
        single(loadFlow(http.replace("http://", "ftp://")), "/actions/0/url", "is not an https URL");
    }

    @Test
    void urlWithoutHost() throws Exception {
        single(loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}").replace("https://hooks.example.com/x", "https:///x")),
                "/actions/0/url", "has no host");
    }

    @Test
    void unresolvableSecretReferenceNeverShowsAValue() throws Exception {
        Problem p = single(loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}").replace("env:HOOK_SECRET", "env:MISSING_SECRET")),
                "/actions/0/secret", "env:MISSING_SECRET does not resolve", "MISSING_SECRET is not set");
        assertThat(p.toString()).doesNotContain("s3cr3t-value");
    }

    @Test
    void offlineAnUnresolvableSecretIsAWarningButOneThatCanNeverWorkStaysAProblem() throws Exception {
        String flow = eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}");
        load(ENTITIES, Map.of("f.json", flow.replace("env:HOOK_SECRET", "env:MISSING_SECRET"),
                "g.json", flow.replace("\"f\"", "\"g\"").replace("env:HOOK_SECRET", "file:" + dir.resolve("missing"))));
        ValidatedRules offline = new RulesLoader(SECRETS, false).withUnresolvedSecretsAsWarnings().load(dir);
        assertThat(offline.problems()).isEmpty();
        assertThat(offline.rules().flows()).containsOnlyKeys("f", "g");
        assertThat(offline.warnings()).extracting(Problem::pointer).containsExactly("/actions/0/secret", "/actions/0/secret");
        assertThat(offline.warnings().get(0).toString()).contains("env:MISSING_SECRET does not resolve")
                .contains("the connector refuses it at start").contains("--check-secrets");

        // what run and hot reload use: the same references are problems, the flows stay out
        ValidatedRules strict = new RulesLoader(SECRETS, false).load(dir);
        assertThat(strict.problems()).extracting(Problem::pointer).containsExactly("/actions/0/secret", "/actions/0/secret");
        assertThat(strict.rules().flows()).isEmpty();

        Files.writeString(dir.resolve("flows/g.json"), flow.replace("\"f\"", "\"g\"").replace("env:HOOK_SECRET", "file:" + dir));
        Files.writeString(dir.resolve("flows/f.json"), flow.replace("env:HOOK_SECRET", "hunter2-literal"));
        offline = new RulesLoader(SECRETS, false).withUnresolvedSecretsAsWarnings().load(dir);
        assertThat(offline.problems()).extracting(p -> p.file().getFileName() + p.pointer() + " " + p.message())
                .containsExactly("f.json/actions/0/secret a literal secret is refused: \"secret\" must be a reference, env:NAME or file:PATH",
                        "g.json/actions/0/secret secret file:" + dir + " does not resolve: it is not a regular file (a folder); "
                                + "point it to a file holding the secret");
    }

    @Test
    void aLiteralSecretIsRefusedWithoutEchoingIt() throws Exception {
        Problem p = single(loadFlow(eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}").replace("env:HOOK_SECRET", "hunter2-literal")),
                "/actions/0/secret", "a literal secret is refused", "\"secret\": \"env:NAME\"");
        assertThat(p.toString()).doesNotContain("hunter2-literal");
    }

    @Test
    void unknownOperatorAndInWithoutArray() throws Exception {
        String t = "{\"type\": \"event\", \"events\": [\"create\"]}";
        single(loadFlow(flow("f", t, "\"criteria\": [{\"property\": \"total\", \"op\": \"gtt\", \"value\": 1}]")),
                "/criteria/0/op", "unknown operator \"gtt\"", "did you mean \"gt\"?");
        single(loadFlow(flow("f", t, "\"criteria\": [{\"property\": \"status\", \"op\": \"in\", \"value\": \"done\"}]")),
                "/criteria/0/value", "in needs a non-empty array of values", "\"value\": [\"done\", ...]");
        single(loadFlow(flow("f", t, "\"criteria\": [{\"property\": \"status\", \"op\": \"not_in\", \"value\": []}]")),
                "/criteria/0/value", "not_in needs a non-empty array of values, found an empty array");
        single(loadFlow(flow("f", t, "\"criteria\": [{\"property\": \"status\", \"op\": \"is_null\", \"value\": 1}]")),
                "/criteria/0/value", "is_null takes no value");
        single(loadFlow(flow("f", t, "\"criteria\": [{\"property\": \"status\", \"op\": \"eq\", \"value\": null}]")),
                "/criteria/0/value", "eq cannot compare with null", "is_null");
    }

    @Test
    void emptyActions() throws Exception {
        String json = eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}").replace("[" + ACTION + "]", "[]");
        single(loadFlow(json), "/actions", "\"actions\" must be a non-empty array", "add at least one action");
    }

    @Test
    void headersOfTheWireProtocolCannotBeOverridden() throws Exception {
        String json = eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}")
                .replace("\"env:HOOK_SECRET\"", "\"env:HOOK_SECRET\", \"headers\": {\"X-Tenant\": \"a\", \"x-startyhook-signature\": \"x\"}");
        single(loadFlow(json), "/actions/0/headers/x-startyhook-signature", "set by the connector");
        json = json.replace("x-startyhook-signature", "Content-Type");
        single(loadFlow(json), "/actions/0/headers/Content-Type", "cannot be overridden");
    }

    @Test
    void flowNamesAreSafeForUrlsMetricsAndSql() throws Exception {
        single(loadFlow(flow("Invoice Confirmed", "{\"type\": \"event\", \"events\": [\"create\"]}", "")),
                "/name", "may only hold lower-case letters, digits, '-' and '_'", "\"invoice-confirmed\"");
    }

    @Test
    void organizationScopeNeedsAnOrganizationColumn() throws Exception {
        single(loadFlow(flow("f", "{\"type\": \"event\", \"events\": [\"create\"]}", "\"organizations\": [\"1\"]")),
                "/organizations", "entity \"document\" has no organization column");
        single(loadFlow(flow("f", "{\"type\": \"event\", \"events\": [\"create\"]}", "\"organizations\": \"some\"")),
                "/organizations", "must be \"all\" or a non-empty array");
    }

    @Test
    void everyProblemOfAFileIsReportedNotJustTheFirst() throws Exception {
        ValidatedRules r = loadFlow("""
                {"name": "f", "entity": "document", "mode": "sometimes",
                 "trigger": {"type": "event", "events": ["become"]},
                 "actions": [{"type": "webhook", "url": "http://x", "secret": "plain"}]}""");
        assertThat(r.problems()).extracting(Problem::pointer).containsExactly(
                "/trigger/property", "/trigger/value", "/mode", "/actions/0/url", "/actions/0/secret");
    }

    @Test
    void brokenEntitiesAreReportedAndTheirFlowsLeftOut() throws Exception {
        String entities = """
                {"entities": {"document": {"table": "document", "key": "id", "confirm": {"property": "status"}},
                              "customer": {"table": "erp.customer", "key": ["id"], "organisation": "organization_id"}}}""";
        ValidatedRules r = load(entities, Map.of("f.json", eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}")));
        Path e = dir.resolve("entities.json");
        assertThat(r.problems()).extracting(Problem::file, Problem::pointer).containsExactly(
                org.assertj.core.groups.Tuple.tuple(e, "/entities/document/table"),
                org.assertj.core.groups.Tuple.tuple(e, "/entities/document/key"),
                org.assertj.core.groups.Tuple.tuple(e, "/entities/document/confirm/values"),
                org.assertj.core.groups.Tuple.tuple(e, "/entities/customer/organisation"),
                org.assertj.core.groups.Tuple.tuple(dir.resolve("flows/f.json"), "/entity"));
        assertThat(r.problems().get(0).toString()).contains("is not schema-qualified", "\"public.document\"");
        assertThat(r.problems().get(3).toString()).contains("did you mean \"organization\"?");
        assertThat(r.problems().get(4).toString()).contains("entity \"document\" has problems in entities.json");
        assertThat(r.rules().entities()).isEmpty();
    }

    @Test
    void anUnreadableEntitiesFileIsReportedOnceAndItsFlowsSaySo() throws Exception {
        ValidatedRules r = load("{\"entities\": {\"document\": {\"table\": \"erp.document\",}}}",
                Map.of("f.json", eventFlow("{\"type\": \"event\", \"events\": [\"create\"]}")));
        assertThat(r.problems()).hasSize(2);
        assertThat(r.problems().get(0).toString()).startsWith(dir.resolve("entities.json") + ": invalid JSON at line 1, column 52");
        assertThat(r.problems().get(1).toString()).contains("/entity: entity \"document\" cannot be checked: entities.json could not be read");
    }

    @Test
    void aBrokenFlowIsLeftOutAndTheOthersLoad() throws Exception {
        ValidatedRules r = load(ENTITIES, Map.of(
                "good.json", flow("good", "{\"type\": \"event\", \"events\": [\"delete\"]}", ""),
                "bad.json", flow("bad", "{\"type\": \"event\", \"events\": [\"deleted\"]}", "")));
        assertThat(r.rules().flows()).containsOnlyKeys("good");
        assertThat(r.problems()).singleElement().extracting(Problem::file).isEqualTo(dir.resolve("flows/bad.json"));
    }

    @Test
    void missingFilesAndDirectories() throws Exception {
        ValidatedRules r = new RulesLoader(SECRETS, false).load(dir.resolve("nowhere"));
        assertThat(r.problems()).singleElement().hasToString(dir.resolve("nowhere")
                + ": the rules directory does not exist — create it with entities.json and flows/, or pass the right directory");
        r = new RulesLoader(SECRETS, false).load(dir);
        assertThat(r.problems()).extracting(Problem::file).containsExactly(dir.resolve("entities.json"), dir.resolve("flows"));
    }
}
