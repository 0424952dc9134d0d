package com.startyhook.rules;

import static com.startyhook.rules.FileProblems.at;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads one flow file's JSON tree into a {@link Flow}, or null when it has problems. */
final class FlowParser {
    static final List<String> FIELDS = List.of("$schema", "name", "description", "entity", "trigger", "criteria",
            "organizations", "mode", "actions", "context");
    /** Context keys every event payload has already (README, wire protocol). */
    static final List<String> RESERVED_CONTEXT = List.of("organization", "table", "property", "previous", "value");
    private static final java.util.regex.Pattern CONTEXT_NAME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    static final List<String> CRITERION_FIELDS = List.of("property", "op", "value");
    static final List<String> OPS = Arrays.stream(Criterion.Operator.values()).map(Criterion.Operator::wireName).toList();
    static final List<String> MODES = Arrays.stream(ExecutionMode.values()).map(ExecutionMode::wireName).toList();

    private final FileProblems problems;
    private final EntitiesParser.Parsed entities;
    private final WebhookChecks checks;

    FlowParser(FileProblems problems, EntitiesParser.Parsed entities, WebhookChecks checks) {
        this.problems = problems;
        this.entities = entities;
        this.checks = checks;
    }

    Flow parse(JsonNode root) {
        if (!problems.checkObject(root, "", "a flow", FIELDS, List.of("name", "trigger", "actions"))) {
            return null;
        }
        checkElementKind(root);
        String name = problems.string(root, "name", "");
        if (name != null) {
            EntitiesParser.checkName(name, "/name", "flow", problems);
        }
        JsonNode description = root.get("description");
        if (description != null && !description.isTextual()) {
            problems.add("/description", "\"description\" must be a string", "quote it");
        }
        Entity entity = entity(problems.string(root, "entity", ""));
        Trigger trigger = root.has("trigger") ? new TriggerParser(problems).parse(root.get("trigger"), entity) : null;
        List<Criterion> criteria = criteria(root.get("criteria"));
        relatedValues(entity, trigger, criteria);
        java.util.Map<String, String> context = context(root.get("context"), entity, trigger);
        OrganizationScope organizations = organizations(root.get("organizations"), entity, trigger);
        ExecutionMode mode = mode(problems.string(root, "mode", ""));
        List<WebhookAction> actions = actions(root.get("actions"));
        if (problems.count() > 0) {
            return null;
        }
        String entityName = entity == null ? null : entity.name();
        String hash = ContentHash.of(root, entityName, entityName == null ? null : entities.definitions().get(entityName));
        return new Flow(name, description == null ? "" : description.textValue(), entityName, trigger, criteria,
                organizations, mode == null ? ExecutionMode.EVERY_TIME : mode, actions, problems.file(), hash, context);
    }

    /**
     * An event flow's criteria may name related values ({@code invoice.organization_id}); its trigger may not
     * (a related value has no before and after in the element's transaction). Condition flows name the
     * query's columns as they are.
     */
    private void relatedValues(Entity entity, Trigger trigger, List<Criterion> criteria) {
        if (entity == null || trigger instanceof ConditionTrigger) {
            return;
        }
        for (int i = 0; i < criteria.size(); i++) {
            EntitiesParser.checkPath(criteria.get(i).property(), entity.relations(), at(at("/criteria", i), "property"),
                    "entity " + Limits.shown(entity.name()), problems);
        }
        if (trigger instanceof EventTrigger t) {
            if (RelatedPath.isPath(t.property())) {
                problems.add("/trigger/property", "the trigger's property " + Limits.shown(t.property())
                        + " is a related value, which has no before and after in the element's transaction",
                        "watch a column of the entity's table; filter on the related value with a criterion");
            }
            for (int i = 0; i < t.properties().size(); i++) {
                if (RelatedPath.isPath(t.properties().get(i))) {
                    problems.add(at("/trigger/properties", i), "update properties must be columns of the entity's table, not"
                            + " the related value " + Limits.shown(t.properties().get(i)),
                            "list columns of the table; filter on the related value with a criterion");
                }
            }
        }
    }

    /** An event flow's extra payload context: field name to a column or a related value. */
    private java.util.Map<String, String> context(JsonNode node, Entity entity, Trigger trigger) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        if (node == null) {
            return out;
        }
        if (!node.isObject()) {
            problems.add("/context", "\"context\" must be an object of payload field to column or related value, found "
                    + FileProblems.describe(node), "write \"context\": {\"invoiceNumber\": \"invoice.number\"}");
            return out;
        }
        if (trigger instanceof ConditionTrigger) {
            problems.add("/context", "a condition flow's context is the columns its query returns",
                    "remove \"context\" and return the values from the query (join the related tables there)");
            return out;
        }
        if (node.size() > Limits.CONTEXT_FIELDS) {
            problems.add("/context", "\"context\" has " + node.size() + " fields (at most " + Limits.CONTEXT_FIELDS + ")",
                    "keep the fields the receivers need");
            return out;
        }
        for (java.util.Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            String p = at("/context", name);
            if (name.length() > Limits.NAME_CHARS || !CONTEXT_NAME.matcher(name).matches()) {
                problems.add(p, "context field name " + Limits.shown(name) + " must start with a letter and hold only"
                        + " letters, digits and '_' (at most " + Limits.NAME_CHARS + ")", "rename it, e.g. \"invoiceNumber\"");
                continue;
            }
            if (RESERVED_CONTEXT.contains(name)) {
                problems.add(p, "context field " + Limits.shown(name) + " is set by the connector in every event payload",
                        "choose another name, e.g. " + Limits.shown("related_" + name));
                continue;
            }
            String property = problems.string(node, name, "/context");
            if (property == null) {
                continue;
            }
            if (entity != null) {
                EntitiesParser.checkPath(property, entity.relations(), p, "entity " + Limits.shown(entity.name()), problems);
            }
            out.put(name, property);
        }
        return out;
    }

    /**
     * An event flow needs {@code entity}; a condition flow needs either {@code entity} or its trigger's
     * {@code element} (the kind of element its query returns), not both.
     */
    private void checkElementKind(JsonNode root) {
        JsonNode trigger = root.get("trigger");
        boolean condition = trigger != null && trigger.isObject() && trigger.path("type").asText("").equals("condition");
        boolean element = condition && trigger.has("element");
        if (root.has("entity") && element) {
            problems.add("/trigger/element", "the flow names both \"entity\" and \"trigger\".\"element\"",
                    "keep \"entity\" for a query over an entity of entities.json, or remove it and keep \"element\""
                            + " for a query over anything else");
        } else if (!root.has("entity") && condition && !element) {
            problems.add("/entity", "a condition flow has no \"entity\" and its trigger no \"element\": the kind of"
                    + " element its query returns is unknown", "add \"element\": \"stock_level\" (a name of your choice;"
                    + " the query's id column is the element's key) to the trigger, or \"entity\": \"product\""
                    + " (an entity of entities.json)");
        } else if (!root.has("entity") && !condition) {
            problems.add("/entity", "a flow has no \"entity\"", "add the required field \"entity\" (an entity of"
                    + " entities.json); only a condition flow may name \"element\" in its trigger instead");
        }
        if (element && trigger.get("element").isTextual() && entities.readable()
                && (entities.entities().containsKey(trigger.get("element").textValue())
                        || entities.invalid().contains(trigger.get("element").textValue()))) {
            String name = trigger.get("element").textValue();
            problems.add("/trigger/element", "element " + Limits.shown(name) + " is an entity of entities.json",
                    "write \"entity\": \"" + name + "\" instead of \"trigger\".\"element\", or name the element kind differently");
        }
    }

    private Entity entity(String name) {
        if (name == null) {
            return null;
        }
        Entity entity = entities.entities().get(name);
        if (!entities.readable()) {
            problems.add("/entity", "entity " + Limits.shown(name) + " cannot be checked: entities.json could not be read",
                    "fix entities.json first (see above)");
        } else if (entity == null && entities.invalid().contains(name)) {
            problems.add("/entity", "entity " + Limits.shown(name) + " has problems in entities.json", "fix them first (see above)");
        } else if (entity == null) {
            problems.add("/entity", "unknown entity " + Limits.shown(name), entities.entities().isEmpty()
                    ? "define it in entities.json" : Suggestions.hint(name, entities.entities().keySet())
                            + " (or define it in entities.json)");
        }
        return entity;
    }

    private List<Criterion> criteria(JsonNode node) {
        List<Criterion> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!node.isArray()) {
            problems.add("/criteria", "\"criteria\" must be an array, found " + FileProblems.describe(node),
                    "write \"criteria\": [{\"property\": \"total\", \"op\": \"gt\", \"value\": 1000}]");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            String p = at("/criteria", i);
            JsonNode c = node.get(i);
            if (!problems.checkObject(c, p, "a criterion", CRITERION_FIELDS, List.of("property", "op"))) {
                continue;
            }
            String property = problems.string(c, "property", p);
            String opName = problems.string(c, "op", p);
            Criterion.Operator op = opName == null ? null : Criterion.Operator.fromWireName(opName);
            if (opName != null && op == null) {
                problems.add(at(p, "op"), "unknown operator " + Limits.shown(opName), Suggestions.hint(opName, OPS));
            }
            Object value = op == null ? null : value(op, c.get("value"), at(p, "value"));
            if (property != null && op != null) {
                out.add(new Criterion(property, op, value));
            }
        }
        return out;
    }

    private Object value(Criterion.Operator op, JsonNode v, String p) {
        if (!op.takesValue()) {
            if (v != null) {
                problems.add(p, op.wireName() + " takes no value", "remove \"value\"");
            }
            return null;
        }
        if (v == null) {
            problems.add(p, op.wireName() + " needs a value", op == Criterion.Operator.IN || op == Criterion.Operator.NOT_IN
                    ? "add \"value\": [\"a\", \"b\"]" : "add \"value\": ...");
            return null;
        }
        if (op == Criterion.Operator.IN || op == Criterion.Operator.NOT_IN) {
            if (!v.isArray() || v.isEmpty()) {
                problems.add(p, op.wireName() + " needs a non-empty array of values, found " + FileProblems.describe(v),
                        "write \"value\": [" + (FileProblems.isScalar(v) ? v.toString() : "\"a\"") + ", ...]");
                return null;
            }
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                if (!FileProblems.isScalar(v.get(i)) || v.get(i).isNull()) {
                    problems.add(at(p, i), "must be a string, number or boolean, found " + FileProblems.describe(v.get(i)),
                            "list plain values");
                    return null;
                }
                values.add(FileProblems.scalar(v.get(i)));
            }
            return values;
        }
        if (v.isNull()) {
            problems.add(p, op.wireName() + " cannot compare with null", "use \"op\": \"is_null\" or \"not_null\" without a value");
        } else if (!FileProblems.isScalar(v)) {
            problems.add(p, op.wireName() + " needs a single string, number or boolean, found " + FileProblems.describe(v),
                    v.isArray() ? "use \"op\": \"in\" for a list of values" : "write a single value");
        } else if (v.isBoolean() && op != Criterion.Operator.EQ && op != Criterion.Operator.NE) {
            problems.add(p, op.wireName() + " cannot order booleans", "use eq or ne");
        } else {
            return FileProblems.scalar(v);
        }
        return null;
    }

    private OrganizationScope organizations(JsonNode node, Entity entity, Trigger trigger) {
        if (node == null || (node.isTextual() && node.textValue().equals("all"))) {
            return OrganizationScope.ALL;
        }
        if (!node.isArray() || node.isEmpty()) {
            problems.add("/organizations", "\"organizations\" must be \"all\" or a non-empty array of organization ids, found "
                    + FileProblems.describe(node), "write \"organizations\": \"all\" or \"organizations\": [\"1\", \"7\"]");
            return null;
        }
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode id = node.get(i);
            if (id.isTextual() && !id.textValue().isBlank() || id.isIntegralNumber()) {
                ids.add(id.asText());
            } else {
                problems.add(at("/organizations", i), "an organization id must be a string or an integer, found "
                        + FileProblems.describe(id), "write the id, e.g. \"7\"");
            }
        }
        if (entity != null && entity.organization() == null && trigger instanceof EventTrigger) {
            problems.add("/organizations", "entity \"" + entity.name() + "\" has no organization column, so a flow on it cannot be scoped",
                    "add \"organization\": \"organization_id\" to the entity in entities.json, or write \"organizations\": \"all\"");
        }
        return OrganizationScope.of(ids);
    }

    private ExecutionMode mode(String name) {
        ExecutionMode mode = name == null ? null : ExecutionMode.fromWireName(name);
        if (name != null && mode == null) {
            problems.add("/mode", "unknown mode " + Limits.shown(name), Suggestions.hint(name, MODES));
        }
        return mode;
    }

    private List<WebhookAction> actions(JsonNode node) {
        List<WebhookAction> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!node.isArray() || node.isEmpty()) {
            problems.add("/actions", "\"actions\" must be a non-empty array, found " + FileProblems.describe(node),
                    "add at least one action: [{\"type\": \"webhook\", \"url\": \"https://...\", \"secret\": \"env:NAME\"}]");
            return out;
        }
        WebhookParser webhooks = new WebhookParser(problems, checks);
        for (int i = 0; i < node.size(); i++) {
            WebhookAction a = webhooks.parse(node.get(i), at("/actions", i));
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }
}
