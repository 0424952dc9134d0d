package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The JSON Schemas in rules/ help editors; they must accept the examples and name exactly the loader's fields. */
class RuleSchemasTest {
    static final Path RULES = RulesLoaderTest.EXAMPLES;
    static final ObjectMapper JSON = new ObjectMapper();
    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    static Schema schema(String file) throws Exception {
        return REGISTRY.getSchema(Files.readString(RULES.resolve(file)), InputFormat.JSON);
    }

    static List<String> errors(Schema schema, String json) {
        return schema.validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
    }

    @Test
    void theExamplesValidateAgainstTheSchemas() throws Exception {
        assertThat(errors(schema("entities.schema.json"), Files.readString(RULES.resolve("entities.json")))).isEmpty();
        Schema flow = schema("flow.schema.json");
        try (Stream<Path> files = Files.list(RULES.resolve("flows"))) {
            List<Path> flows = files.sorted().toList();
            assertThat(flows).hasSizeGreaterThanOrEqualTo(7);
            for (Path f : flows) {
                assertThat(errors(flow, Files.readString(f))).as(f.toString()).isEmpty();
                assertThat(JSON.readTree(f.toFile()).get("$schema").asText()).isEqualTo("../flow.schema.json");
            }
        }
    }

    @Test
    void theSchemasCatchWhatTheLoaderRefuses() throws Exception {
        Schema flow = schema("flow.schema.json");
        String action = "[{\"type\": \"webhook\", \"url\": \"https://h/x\", \"secret\": \"env:S\"}]";
        String become = "{\"name\": \"f\", \"entity\": \"e\", \"trigger\": {\"type\": \"event\", \"events\": [\"become\"], \"property\": \"s\"}, \"actions\": " + action + "}";
        assertThat(errors(flow, become)).isNotEmpty();
        assertThat(errors(flow, become.replace("\"property\": \"s\"", "\"property\": \"s\", \"value\": null"))).isEmpty();
        assertThat(errors(flow, become.replace("become", "confrim"))).isNotEmpty();
        assertThat(errors(flow, become.replace("https://", "http://"))).isNotEmpty();
        assertThat(errors(flow, become.replace("env:S", "plain-secret"))).isNotEmpty();
        assertThat(errors(flow, become.replace("\"name\"", "\"nmae\""))).isNotEmpty();
        // issue 21's limits, for editors as well
        String valid = become.replace("\"property\": \"s\"", "\"property\": \"s\", \"value\": null");
        assertThat(errors(flow, valid.replace("https://h/x", "https://user:pass@h/x"))).isNotEmpty();
        assertThat(errors(flow, valid.replace("\"secret\"", "\"headers\": {\"X-A\": \"ok value\"}, \"secret\""))).isEmpty();
        assertThat(errors(flow, valid.replace("\"secret\"", "\"headers\": {\"X-A\": \"demo\\r\\nX-Injected: 1\"}, \"secret\""))).isNotEmpty();
        assertThat(errors(flow, valid.replace("\"name\": \"f\"", "\"name\": \"" + "f".repeat(101) + "\""))).isNotEmpty();
        assertThat(errors(flow, valid.replace("https://h/x", "https://h/" + "x".repeat(2048)))).isNotEmpty();
        String condition = "{\"name\": \"c\", \"entity\": \"e\", \"trigger\": {\"type\": \"condition\", \"query\": \"SELECT 1 AS id\", \"interval\": \"30s\"}, \"actions\": " + action + "}";
        assertThat(errors(flow, condition)).isEmpty();
        assertThat(errors(flow, condition.replace("30s", "30 seconds"))).isNotEmpty();
        assertThat(errors(flow, condition.replace("\"interval\"", "\"events\": [\"create\"], \"interval\""))).isNotEmpty();
    }

    @Test
    void theSchemasNameExactlyTheFieldsTheLoaderAccepts() throws Exception {
        JsonNode entities = JSON.readTree(RULES.resolve("entities.schema.json").toFile());
        assertThat(names(entities.get("properties"))).containsExactlyInAnyOrderElementsOf(EntitiesParser.ROOT_FIELDS);
        JsonNode entity = entities.at("/$defs/entity/properties");
        assertThat(names(entity)).containsExactlyInAnyOrderElementsOf(EntitiesParser.ENTITY_FIELDS);
        assertThat(names(entity.at("/confirm/properties"))).containsExactlyInAnyOrderElementsOf(EntitiesParser.CONFIRM_FIELDS);
        assertThat(names(entities.at("/$defs/relation/properties"))).containsExactlyInAnyOrderElementsOf(EntitiesParser.RELATION_FIELDS);
        assertThat(texts(flow(flowSchema(), "/properties/context/propertyNames/not/enum")))
                .containsExactlyElementsOf(FlowParser.RESERVED_CONTEXT);

        JsonNode flow = JSON.readTree(RULES.resolve("flow.schema.json").toFile());
        assertThat(names(flow.get("properties"))).containsExactlyInAnyOrderElementsOf(FlowParser.FIELDS);
        assertThat(names(flow.at("/$defs/eventTrigger/properties"))).containsExactlyInAnyOrderElementsOf(TriggerParser.EVENT_FIELDS);
        assertThat(names(flow.at("/$defs/conditionTrigger/properties"))).containsExactlyInAnyOrderElementsOf(TriggerParser.CONDITION_FIELDS);
        assertThat(names(flow.at("/$defs/criterion/properties"))).containsExactlyInAnyOrderElementsOf(FlowParser.CRITERION_FIELDS);
        assertThat(names(flow.at("/$defs/webhook/properties"))).containsExactlyInAnyOrderElementsOf(WebhookParser.FIELDS);
        assertThat(names(flow.at("/$defs/webhook/properties/retry/properties"))).containsExactlyInAnyOrderElementsOf(WebhookParser.RETRY_FIELDS);
        assertThat(texts(flow.at("/$defs/eventTrigger/properties/events/items/enum"))).containsExactlyElementsOf(TriggerParser.EVENTS);
        assertThat(texts(flow.at("/$defs/criterion/properties/op/enum"))).containsExactlyElementsOf(FlowParser.OPS);
        assertThat(texts(flow.at("/properties/mode/enum"))).containsExactlyElementsOf(FlowParser.MODES);
        assertThat(texts(flow.at("/properties/trigger/properties/type/enum"))).containsExactlyElementsOf(TriggerParser.TYPES);
    }

    @Test
    void theSchemasCatchWhatTheLoaderRefusesInRelatedValues() throws Exception {
        Schema entities = schema("entities.schema.json");
        String line = "{\"entities\": {\"line\": {\"table\": \"erp.line\", \"key\": [\"id\"], \"organization\": \"doc.customer.org_id\","
                + " \"relations\": {\"doc\": {\"column\": \"doc_id\", \"table\": \"erp.doc\", \"key\": \"id\","
                + " \"relations\": {\"customer\": {\"column\": \"customer_id\", \"table\": \"erp.customer\", \"key\": \"id\"}}}}}}}";
        assertThat(errors(entities, line)).isEmpty();
        assertThat(errors(entities, line.replace(", \"key\": \"id\"}}}", "}}}"))).as("a relation without key").isNotEmpty();
        assertThat(errors(entities, line.replace("\"table\": \"erp.doc\"", "\"table\": \"doc\""))).isNotEmpty();
        assertThat(errors(entities, line.replace("\"key\": [\"id\"]", "\"key\": [\"doc.id\"]"))).as("a key is a column").isNotEmpty();
        assertThat(errors(entities, line.replace("\"doc\": {", "\"Doc\": {"))).as("relation names").isNotEmpty();
        assertThat(errors(entities, line.replace("doc.customer.org_id", "a.b.c.d.e.org_id"))).as("at most 4 hops").isNotEmpty();

        Schema flow = schema("flow.schema.json");
        String action = "[{\"type\": \"webhook\", \"url\": \"https://h/x\", \"secret\": \"env:S\"}]";
        String create = "{\"name\": \"f\", \"entity\": \"line\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]},"
                + " \"criteria\": [{\"property\": \"doc.status\", \"op\": \"eq\", \"value\": \"x\"}],"
                + " \"context\": {\"customerName\": \"doc.customer.name\"}, \"actions\": " + action + "}";
        assertThat(errors(flow, create)).isEmpty();
        assertThat(errors(flow, create.replace("\"customerName\"", "\"organization\""))).as("the connector's own").isNotEmpty();
        assertThat(errors(flow, create.replace("\"customerName\"", "\"9x\""))).isNotEmpty();
        assertThat(errors(flow, create.replace("[\"create\"]}", "[\"change\"], \"property\": \"doc.status\"}")))
                .as("a trigger property is a column").isNotEmpty();
    }

    private static JsonNode flowSchema() throws Exception {
        return JSON.readTree(RULES.resolve("flow.schema.json").toFile());
    }

    private static JsonNode flow(JsonNode schema, String pointer) {
        return schema.at(pointer);
    }

    private static List<String> names(JsonNode object) {
        assertThat(object.isObject()).as("schema object").isTrue();
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
