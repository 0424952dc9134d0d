package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, point 2: a condition flow over any query names its element kind in the trigger
 * ({@code "element"}) instead of an entity; the loader and flow.schema.json agree on which flows
 * are valid, and the loader's errors name the file, the field and the fix.
 */
class ConditionElementTest {
    static final String QUERY = "SELECT d.organization_id || '/' || d.doc_type AS id, d.organization_id AS organization,"
            + " sum(d.total) AS total FROM erp.document d GROUP BY d.organization_id, d.doc_type";

    @TempDir
    Path dir;

    static String conditionFlow(String entity, String element) {
        return "{\"name\": \"f\"" + (entity == null ? "" : ", \"entity\": \"" + entity + "\"")
                + ", \"trigger\": {\"type\": \"condition\"" + (element == null ? "" : ", \"element\": \"" + element + "\"")
                + ", \"query\": \"" + QUERY + "\", \"interval\": \"30s\"}, \"actions\": [" + RulesLoaderTest.ACTION + "]}";
    }

    ValidatedRules load(String json) throws Exception {
        Files.createDirectories(dir.resolve("flows"));
        Files.writeString(dir.resolve("entities.json"), RulesLoaderTest.ENTITIES);
        Files.writeString(dir.resolve("flows/f.json"), json);
        return new RulesLoader(RulesLoaderTest.SECRETS, false).load(dir);
    }

    /** The loader accepts {@code json} exactly when the schema does; returns the loader's problems. */
    List<Problem> loaderAndSchemaAgree(String json, boolean valid) throws Exception {
        Schema schema = RuleSchemasTest.schema("flow.schema.json");
        List<String> schemaErrors = RuleSchemasTest.errors(schema, json);
        ValidatedRules r = load(json);
        assertThat(schemaErrors.isEmpty()).as("schema accepts " + json + ": " + schemaErrors).isEqualTo(valid);
        assertThat(r.problems().isEmpty()).as("loader accepts " + json + ": " + r.problems()).isEqualTo(valid);
        return r.problems();
    }

    @Test
    void aConditionFlowWithoutEntityNamesItsElementKind() throws Exception {
        assertThat(loaderAndSchemaAgree(conditionFlow(null, "document_totals"), true)).isEmpty();
        Flow f = load(conditionFlow(null, "document_totals")).rules().flows().get("f");
        assertThat(f.entity()).isNull();
        assertThat(f.elementKind()).isEqualTo("document_totals");
        assertThat(f.trigger()).isEqualTo(new ConditionTrigger(QUERY, Duration.ofSeconds(30),
                ConditionTrigger.DEFAULT_TIMEOUT, false, "document_totals"));
        assertThat(f.contentHash()).matches("[0-9a-f]{64}");
        // the element kind is part of the content: renaming it is an edit (the flow must be activated again)
        assertThat(load(conditionFlow(null, "totals")).rules().flows().get("f").contentHash()).isNotEqualTo(f.contentHash());
    }

    @Test
    void aConditionFlowWithAnEntityIsAsBefore() throws Exception {
        assertThat(loaderAndSchemaAgree(conditionFlow("document", null), true)).isEmpty();
        Flow f = load(conditionFlow("document", null)).rules().flows().get("f");
        assertThat(f.entity()).isEqualTo("document");
        assertThat(f.elementKind()).isEqualTo("document");
        assertThat(((ConditionTrigger) f.trigger()).element()).isNull();
    }

    @Test
    void neitherEntityNorElementIsAnErrorNamingFileFieldAndFix() throws Exception {
        List<Problem> problems = loaderAndSchemaAgree(conditionFlow(null, null), false);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(dir.resolve("flows/f.json"));
            assertThat(p.pointer()).isEqualTo("/entity");
            assertThat(p.toString()).contains("a condition flow has no \"entity\" and its trigger no \"element\"")
                    .contains("add \"element\": \"stock_level\"").contains("the query's id column is the element's key")
                    .contains("or \"entity\"");
        });
    }

    @Test
    void bothEntityAndElementIsAnError() throws Exception {
        List<Problem> problems = loaderAndSchemaAgree(conditionFlow("document", "document_totals"), false);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(dir.resolve("flows/f.json"));
            assertThat(p.pointer()).isEqualTo("/trigger/element");
            assertThat(p.toString()).contains("both \"entity\" and \"trigger\".\"element\"").contains("remove it");
        });
    }

    @Test
    void anEventFlowStillNeedsAnEntityAndTakesNoElement() throws Exception {
        String noEntity = "{\"name\": \"f\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]}, \"actions\": ["
                + RulesLoaderTest.ACTION + "]}";
        assertThat(loaderAndSchemaAgree(noEntity, false)).singleElement()
                .satisfies(p -> assertThat(p.toString()).contains("/entity").contains("a flow has no \"entity\"")
                        .contains("add the required field \"entity\""));
        String withElement = noEntity.replace("\"type\": \"event\"", "\"type\": \"event\", \"element\": \"x\"");
        assertThat(loaderAndSchemaAgree(withElement, false)).anySatisfy(p -> assertThat(p.pointer()).isEqualTo("/trigger/element"));
    }

    @Test
    void theElementKindIsANameAndNotAnEntity() throws Exception {
        assertThat(loaderAndSchemaAgree(conditionFlow(null, "Stock Level"), false)).singleElement()
                .satisfies(p -> assertThat(p.toString()).contains("/trigger/element")
                        .contains("may only hold lower-case letters, digits, '-' and '_'").contains("\"stock-level\""));
        // the schema cannot know entities.json; the loader points to "entity" instead
        ValidatedRules r = load(conditionFlow(null, "document"));
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.toString())
                .contains("/trigger/element").contains("element \"document\" is an entity of entities.json")
                .contains("write \"entity\": \"document\" instead"));
    }

    @Test
    void aFlowOverNoEntityDependsOnlyOnItsOwnFileAndABadEditKeepsItsLastGoodVersion() throws Exception {
        ValidatedRules running = load(conditionFlow(null, "document_totals")).keepingLastGoodOf(null).rules();
        Flow good = running.rules().flows().get("f");

        // a broken entities.json does not touch it
        Files.writeString(dir.resolve("entities.json"), "{\"entities\": ");
        ValidatedRules broken = new RulesLoader(RulesLoaderTest.SECRETS, false).load(dir);
        assertThat(broken.problems()).isNotEmpty()
                .allSatisfy(p -> assertThat(p.file().getFileName().toString()).isEqualTo("entities.json"));
        assertThat(broken.rules().flows().get("f")).isEqualTo(good);

        // a bad edit of its file: the last good version keeps running, the problem is reported
        ValidatedRules.Kept kept = load(conditionFlow(null, null)).keepingLastGoodOf(running);
        assertThat(kept.flows()).containsExactly("f");
        assertThat(kept.rules().rules().flows().get("f")).isSameAs(good);
        assertThat(kept.rules().problems()).singleElement().asString().contains("/entity");
    }

    @Test
    void theShippedExampleOverNoEntityLoads() {
        ValidatedRules r = new RulesLoader(RulesLoaderTest.SECRETS, false).load(RulesLoaderTest.EXAMPLES);
        Flow f = r.rules().flows().get("monthly-revenue-milestone");
        assertThat(f).as("rules/flows/monthly-revenue-milestone.json").isNotNull();
        assertThat(f.entity()).isNull();
        assertThat(f.elementKind()).isEqualTo("monthly_revenue");
        assertThat(f.mode()).isEqualTo(ExecutionMode.ONCE_PER_ELEMENT);
        assertThat(Map.copyOf(r.rules().entities())).doesNotContainKey("monthly_revenue");
    }
}
