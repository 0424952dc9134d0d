package com.startyhook.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads {@code entities.json} from its JSON tree, reporting every problem with its pointer. */
final class EntitiesParser {
    static final List<String> ROOT_FIELDS = List.of("$schema", "entities");
    static final List<String> ENTITY_FIELDS = List.of("table", "key", "organization", "created", "modified", "confirm",
            "relations");
    static final List<String> RELATION_FIELDS = List.of("column", "table", "key", "relations");
    static final List<String> CONFIRM_FIELDS = List.of("property", "values");
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Pattern QUALIFIED = Pattern.compile("([^.\\s]+)\\.([^.\\s]+)");

    /**
     * Valid entities, their JSON definitions (for content hashes), the names of invalid ones, and
     * whether entities.json could be read at all.
     */
    record Parsed(Map<String, Entity> entities, Map<String, JsonNode> definitions, Set<String> invalid, boolean readable) {
        Parsed(Map<String, Entity> entities, Map<String, JsonNode> definitions, Set<String> invalid) {
            this(entities, definitions, invalid, true);
        }

        static Parsed unreadable() {
            return new Parsed(Map.of(), Map.of(), Set.of(), false);
        }
    }

    private final FileProblems problems;

    EntitiesParser(FileProblems problems) {
        this.problems = problems;
    }

    Parsed parse(JsonNode root) {
        Map<String, Entity> entities = new LinkedHashMap<>();
        Map<String, JsonNode> definitions = new LinkedHashMap<>();
        Set<String> invalid = new LinkedHashSet<>();
        if (!problems.checkObject(root, "", "entities.json", ROOT_FIELDS, List.of("entities"))) {
            return new Parsed(entities, definitions, invalid);
        }
        JsonNode all = root.get("entities");
        if (all == null) {
            return new Parsed(entities, definitions, invalid);
        }
        if (!all.isObject()) {
            problems.add("/entities", "\"entities\" must be an object of entity name to definition, found "
                    + FileProblems.describe(all), "write \"entities\": {\"customer\": {\"table\": \"erp.customer\", \"key\": [\"id\"]}}");
            return new Parsed(entities, definitions, invalid);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int before = problems.count();
            String pointer = FileProblems.at("/entities", e.getKey());
            Entity entity = entity(e.getKey(), e.getValue(), pointer);
            // a limit broken inside the definition (found before parsing) makes the entity invalid too
            boolean withinLimits = problems.list().stream()
                    .noneMatch(p -> p.pointer().equals(pointer) || p.pointer().startsWith(pointer + "/"));
            if (entity != null && problems.count() == before && withinLimits) {
                entities.put(e.getKey(), entity);
                definitions.put(e.getKey(), e.getValue());
            } else {
                invalid.add(e.getKey());
            }
        }
        return new Parsed(entities, definitions, invalid);
    }

    /**
     * Flow and entity names appear in metrics labels, URLs, SQL and payloads: lower-case letters,
     * digits, '-' and '_', starting with a letter or digit, at most {@link Limits#NAME_CHARS}.
     */
    static boolean checkName(String name, String pointer, String what, FileProblems problems) {
        if (name.length() > Limits.NAME_CHARS) {
            problems.add(pointer, what + " name of " + name.length() + " characters is too long (at most "
                    + Limits.NAME_CHARS + ")", "shorten it: it appears in metrics, URLs and the console");
            return false;
        }
        if (!NAME.matcher(name).matches()) {
            String suggestion = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-")
                    .replaceAll("^[-_]+", "");
            problems.add(pointer, what + " name " + Limits.shown(name) + " may only hold lower-case letters, digits, '-' and '_'",
                    suggestion.isEmpty() ? "rename it, e.g. \"my-" + what + "\"" : "rename it, e.g. " + Limits.shown(suggestion));
            return false;
        }
        return true;
    }

    private Entity entity(String name, JsonNode node, String pointer) {
        checkName(name, pointer, "entity", problems);
        if (!problems.checkObject(node, pointer, "entity " + Limits.shown(name), ENTITY_FIELDS, List.of("table", "key"))) {
            return null;
        }
        String table = problems.string(node, "table", pointer);
        var qualified = table == null ? null : QUALIFIED.matcher(table);
        if (qualified != null && !qualified.matches()) {
            problems.add(FileProblems.at(pointer, "table"), "table " + Limits.shown(table) + " is not schema-qualified",
                    "write it as schema.table, e.g. " + Limits.shown("public." + table));
        }
        List<String> key = problems.strings(node, "key", pointer, true);
        String organization = problems.string(node, "organization", pointer);
        String created = problems.string(node, "created", pointer);
        String modified = problems.string(node, "modified", pointer);
        Entity.Confirm confirm = node.has("confirm") ? confirm(node.get("confirm"), FileProblems.at(pointer, "confirm")) : null;
        Map<String, Relation> relations = node.has("relations")
                ? relations(node.get("relations"), FileProblems.at(pointer, "relations"), 1) : Map.of();
        for (int i = 0; key != null && i < key.size(); i++) {
            plainColumn(key.get(i), FileProblems.at(FileProblems.at(pointer, "key"), i), "a key");
        }
        plainColumn(created, FileProblems.at(pointer, "created"), "\"created\"");
        plainColumn(modified, FileProblems.at(pointer, "modified"), "\"modified\"");
        if (confirm != null) {
            plainColumn(confirm.property(), FileProblems.at(FileProblems.at(pointer, "confirm"), "property"), "a confirm property");
        }
        if (organization != null && relations != null) {
            checkPath(organization, relations, FileProblems.at(pointer, "organization"), "entity " + Limits.shown(name), problems);
        }
        if (qualified == null || !qualified.matches() || key == null || relations == null) {
            return null;
        }
        return new Entity(name, qualified.group(1), qualified.group(2), key, organization, created, modified, confirm,
                relations);
    }

    /** Only organization, criteria and context may name a related value; everything else is a column of the table. */
    private void plainColumn(String column, String pointer, String what) {
        plainColumn(column, pointer, what, "the entity's own table");
    }

    private void plainColumn(String column, String pointer, String what, String table) {
        if (RelatedPath.isPath(column)) {
            problems.add(pointer, what + " must be a column of " + table + ", not the related value "
                    + Limits.shown(column), "name a column of that table (related values serve organization, criteria"
                    + " and context only)");
        }
    }

    /**
     * Reports a property holding a dot that is not a path of declared relations ending in a column.
     *
     * @return true when {@code property} is a plain column or a valid path
     */
    static boolean checkPath(String property, Map<String, Relation> relations, String pointer, String where,
            FileProblems problems) {
        if (!RelatedPath.isPath(property)) {
            return true;
        }
        String[] parts = property.split("\\.", -1);
        if (parts.length - 1 > Limits.RELATION_HOPS) {
            problems.add(pointer, "the related value " + Limits.shown(property) + " follows " + (parts.length - 1)
                    + " relations (at most " + Limits.RELATION_HOPS + ")", "read it through fewer hops");
            return false;
        }
        Map<String, Relation> at = relations;
        String through = where;
        for (int i = 0; i < parts.length - 1; i++) {
            Relation r = at.get(parts[i]);
            if (r == null) {
                String prefix = String.join(".", java.util.Arrays.copyOf(parts, i));
                problems.add(pointer, Limits.shown(property) + " names " + Limits.shown(parts[i])
                        + ", which is no relation of " + through + " (a property with a dot is a related value:"
                        + " relation.column)", at.isEmpty()
                        ? "declare it under \"relations\" of the entity in entities.json, e.g. \"relations\": {\""
                                + parts[i] + "\": {\"column\": \"" + parts[i] + "_id\", \"table\": \"schema.table\", \"key\": \"id\"}}"
                        : Suggestions.hint(parts[i], at.keySet()) + " (or declare it under \"relations\""
                                + (prefix.isEmpty() ? "" : " of " + Limits.shown(prefix)) + ")");
                return false;
            }
            through = "relation " + Limits.shown(String.join(".", java.util.Arrays.copyOf(parts, i + 1)));
            at = r.relations();
        }
        if (parts[parts.length - 1].isBlank()) {
            problems.add(pointer, Limits.shown(property) + " ends without a column",
                    "write the column of the related table after the last dot, e.g. " + Limits.shown(property + "name"));
            return false;
        }
        return true;
    }

    /** Nested relations; null when one has a problem (reported). */
    private Map<String, Relation> relations(JsonNode node, String pointer, int depth) {
        if (!node.isObject() || node.isEmpty()) {
            problems.add(pointer, "\"relations\" must be a non-empty object of relation name to definition, found "
                    + FileProblems.describe(node), "write \"relations\": {\"invoice\": {\"column\": \"invoice_id\","
                    + " \"table\": \"erp.invoice\", \"key\": \"id\"}}");
            return null;
        }
        if (depth > Limits.RELATION_HOPS) {
            problems.add(pointer, "relations nested more than " + Limits.RELATION_HOPS + " deep",
                    "read related values through at most " + Limits.RELATION_HOPS + " hops");
            return null;
        }
        Map<String, Relation> out = new LinkedHashMap<>();
        boolean ok = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = FileProblems.at(pointer, e.getKey());
            Relation r = checkName(e.getKey(), p, "relation", problems) ? relation(e.getKey(), e.getValue(), p, depth) : null;
            if (r == null) {
                ok = false;
            } else {
                out.put(e.getKey(), r);
            }
        }
        return ok ? out : null;
    }

    private Relation relation(String name, JsonNode node, String pointer, int depth) {
        if (!problems.checkObject(node, pointer, "relation " + Limits.shown(name), RELATION_FIELDS,
                List.of("column", "table", "key"))) {
            return null;
        }
        int before = problems.count();
        String column = problems.string(node, "column", pointer);
        String table = problems.string(node, "table", pointer);
        String key = problems.string(node, "key", pointer);
        var qualified = table == null ? null : QUALIFIED.matcher(table);
        if (qualified != null && !qualified.matches()) {
            problems.add(FileProblems.at(pointer, "table"), "table " + Limits.shown(table) + " is not schema-qualified",
                    "write it as schema.table, e.g. " + Limits.shown("public." + table));
        }
        plainColumn(column, FileProblems.at(pointer, "column"), "a relation's \"column\"", "the row it starts from");
        plainColumn(key, FileProblems.at(pointer, "key"), "a relation's \"key\"", "the related table");
        Map<String, Relation> nested = node.has("relations")
                ? relations(node.get("relations"), FileProblems.at(pointer, "relations"), depth + 1) : Map.of();
        if (problems.count() > before || column == null || key == null || qualified == null || nested == null) {
            return null;
        }
        return new Relation(name, column, qualified.group(1), qualified.group(2), key, nested);
    }

    private Entity.Confirm confirm(JsonNode node, String pointer) {
        if (!problems.checkObject(node, pointer, "confirm", CONFIRM_FIELDS, CONFIRM_FIELDS)) {
            return null;
        }
        String property = problems.string(node, "property", pointer);
        JsonNode values = node.get("values");
        List<Object> out = new ArrayList<>();
        if (values != null) {
            if (!values.isArray() || values.isEmpty()) {
                problems.add(FileProblems.at(pointer, "values"), "\"values\" must be a non-empty array of the values that mean confirmed",
                        "write \"values\": [\"confirmed\"]");
                return null;
            }
            for (int i = 0; i < values.size(); i++) {
                JsonNode v = values.get(i);
                if (!FileProblems.isScalar(v) || v.isNull()) {
                    problems.add(FileProblems.at(FileProblems.at(pointer, "values"), i),
                            "a confirm value must be a string, number or boolean, found " + FileProblems.describe(v),
                            "write the value as it is stored, e.g. \"confirmed\"");
                    return null;
                }
                out.add(FileProblems.scalar(v));
            }
        }
        return property == null || values == null ? null : new Entity.Confirm(property, out);
    }
}
