package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.signing.Secrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** entities.json relations and the related values (relation.column) of organization, criteria and context. */
class RelatedValuesTest {
    static final String LINE = """
            "line": {"table": "erp.invoice_line", "key": ["id"], "organization": "invoice.customer.organization_id",
                     "relations": {"invoice": {"column": "invoice_id", "table": "erp.invoice", "key": "id",
                         "relations": {"customer": {"column": "customer_id", "table": "erp.customer", "key": "id"}}}}}""";
    static final String ACTION = """
            {"type": "webhook", "url": "https://hooks.example.com/x", "secret": "env:S"}""";

    @TempDir
    Path dir;

    ValidatedRules load(String entities, String... flows) throws Exception {
        Files.createDirectories(dir.resolve("flows"));
        Files.writeString(dir.resolve("entities.json"), "{\"entities\": {" + entities + "}}");
        for (int i = 0; i < flows.length; i++) {
            Files.writeString(dir.resolve("flows/f" + i + ".json"), flows[i]);
        }
        return new RulesLoader(new Secrets(Map.of("S", "s")), false).load(dir);
    }

    static String flow(String extra) {
        return "{\"name\": \"f\", \"entity\": \"line\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]}"
                + (extra.isEmpty() ? "" : ", " + extra) + ", \"actions\": [" + ACTION + "]}";
    }

    private static String problems(ValidatedRules r) {
        return r.problems().toString();
    }

    @Test
    void aTwoHopPathServesOrganizationCriteriaAndContext() throws Exception {
        ValidatedRules r = load(LINE, flow("""
                "criteria": [{"property": "invoice.status", "op": "eq", "value": "confirmed"}],
                "organizations": ["1"],
                "context": {"customerName": "invoice.customer.name", "invoiceId": "invoice_id"}"""));
        assertThat(r.problems()).isEmpty();
        Entity line = r.rules().entities().get("line");
        RelatedPath org = line.path(line.organization());
        assertThat(org.hops()).extracting(Relation::qualifiedTable).containsExactly("erp.invoice", "erp.customer");
        assertThat(org.hops()).extracting(Relation::column).containsExactly("invoice_id", "customer_id");
        assertThat(org.column()).isEqualTo("organization_id");
        assertThat(line.path("invoice_id")).as("a plain column is no path").isNull();
        Flow f = r.rules().flows().get("f");
        assertThat(f.context()).containsExactly(Map.entry("customerName", "invoice.customer.name"),
                Map.entry("invoiceId", "invoice_id"));
        assertThat(f.criteria().get(0).property()).isEqualTo("invoice.status");
    }

    @Test
    void anUndeclaredRelationIsNamedWithTheFix() throws Exception {
        ValidatedRules r = load(LINE, flow("""
                "criteria": [{"property": "invoce.status", "op": "eq", "value": "x"}],
                "context": {"who": "invoice.custmer.name"}"""));
        assertThat(problems(r)).contains("/criteria/0/property").contains("\"invoce\", which is no relation of entity \"line\"")
                .contains("did you mean \"invoice\"")
                .contains("/context/who").contains("\"custmer\", which is no relation of relation \"invoice\"")
                .contains("did you mean \"customer\"");
        assertThat(r.rules().flows()).isEmpty();
    }

    @Test
    void anOrganizationPathThroughAnUnknownRelationMakesTheEntityInvalid() throws Exception {
        ValidatedRules r = load("""
                "line": {"table": "erp.invoice_line", "key": ["id"], "organization": "invoice.organization_id"}""");
        assertThat(problems(r)).contains("/entities/line/organization")
                .contains("declare it under \"relations\" of the entity in entities.json");
        assertThat(r.rules().entities()).isEmpty();
    }

    @Test
    void relationsAreCheckedFieldByField() throws Exception {
        ValidatedRules r = load("""
                "line": {"table": "erp.invoice_line", "key": ["id"],
                         "relations": {"invoice": {"column": "invoice_id", "table": "invoice", "key": "id", "kye": "x"},
                                       "Bad Name": {"column": "a", "table": "erp.a", "key": "id"},
                                       "customer": {"table": "erp.customer", "key": "a.b", "column": "customer_id"}}}""");
        assertThat(problems(r)).contains("/entities/line/relations/invoice/table").contains("not schema-qualified")
                .contains("/entities/line/relations/invoice/kye").contains("the fields of relation \"invoice\" are column, table, key, relations")
                .contains("/entities/line/relations/Bad Name").contains("relation name")
                .contains("/entities/line/relations/customer/key").contains("a column of the related table, not the related value \"a.b\"");
        assertThat(r.rules().entities()).isEmpty();
    }

    @Test
    void onlyOrganizationCriteriaAndContextMayNameRelatedValues() throws Exception {
        ValidatedRules r = load("""
                "line": {"table": "erp.invoice_line", "key": ["invoice.id"], "created": "invoice.created_at",
                         "relations": {"invoice": {"column": "invoice_id", "table": "erp.invoice", "key": "id"}}}""");
        assertThat(problems(r)).contains("/entities/line/key/0").contains("/entities/line/created")
                .contains("related values serve organization, criteria and context only");
        ValidatedRules t = load(LINE, "{\"name\": \"f\", \"entity\": \"line\", \"trigger\": {\"type\": \"event\","
                + " \"events\": [\"change\"], \"property\": \"invoice.status\"}, \"actions\": [" + ACTION + "]}");
        assertThat(problems(t)).contains("/trigger/property").contains("filter on the related value with a criterion");
    }

    @Test
    void pathsAreBoundedAndEndInAColumn() throws Exception {
        ValidatedRules r = load(LINE, flow("\"context\": {\"a\": \"invoice.\", \"b\": \"a.b.c.d.e.f\"}"));
        assertThat(problems(r)).contains("/context/a").contains("ends without a column")
                .contains("/context/b").contains("follows 5 relations (at most 4)");
    }

    @Test
    void contextNamesAreSafeAndNeverOverrideTheConnectorsOwn() throws Exception {
        ValidatedRules r = load(LINE, flow("\"context\": {\"organization\": \"invoice.customer.organization_id\","
                + " \"9x\": \"invoice_id\", \"ok\": 5}"));
        assertThat(problems(r)).contains("/context/organization").contains("set by the connector")
                .contains("/context/9x").contains("must start with a letter")
                .contains("/context/ok").contains("must be a non-empty string");
    }

    @Test
    void aConditionFlowHasNoContextField() throws Exception {
        ValidatedRules r = load(LINE, "{\"name\": \"c\", \"entity\": \"line\", \"trigger\": {\"type\": \"condition\","
                + " \"query\": \"SELECT 1 AS id\", \"interval\": \"30s\"}, \"context\": {\"a\": \"b\"}, \"actions\": ["
                + ACTION + "]}");
        assertThat(problems(r)).contains("/context").contains("the columns its query returns");
    }

    @Test
    void editingARelationChangesTheContentHashOfTheEntitysFlows() throws Exception {
        String before = load(LINE, flow("")).rules().flows().get("f").contentHash();
        String after = load(LINE.replace("\"customer_id\"", "\"buyer_id\""), flow("")).rules().flows().get("f").contentHash();
        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void theLiveTypeCheckAcceptsOnlyComparableKeys() {
        assertThat(LiveValidator.compatible("bigint", "integer")).isTrue();
        assertThat(LiveValidator.compatible("character varying", "text")).isTrue();
        assertThat(LiveValidator.compatible("uuid", "uuid")).isTrue();
        assertThat(LiveValidator.compatible("text", "bigint")).isFalse();
        assertThat(List.of("numeric", "bigint")).satisfies(l -> assertThat(LiveValidator.compatible(l.get(0), l.get(1))).isFalse());
    }
}
