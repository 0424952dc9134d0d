package com.startyhook.rules;

import static com.startyhook.rules.FileProblems.at;

import com.startyhook.ConfigurationException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks loaded rules against the live ERP database: tables, columns, replica identity, condition
 * queries. Read-only: it never modifies the database (queries are only described, in READ ONLY
 * transactions that are rolled back). Flows with problems are left out of the returned rules.
 */
public final class LiveValidator {
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(5);

    private final TableCatalog catalog;
    private final ConditionQueryCheck queries;
    private final Map<String, Optional<TableCatalog.Table>> tables = new LinkedHashMap<>();
    /** The related table each valid relation chain reaches, by entity name and chain ({@code customer:invoice.customer}). */
    private final Map<String, TableCatalog.Table> related = new LinkedHashMap<>();

    public LiveValidator(Connection connection) {
        this(connection, DEFAULT_STATEMENT_TIMEOUT);
    }

    public LiveValidator(Connection connection, Duration statementTimeout) {
        this.catalog = new TableCatalog(connection);
        this.queries = new ConditionQueryCheck(connection, statementTimeout);
    }

    /** @throws ConfigurationException when the database cannot be read at all */
    public ValidatedRules validate(Rules rules) {
        try {
            List<Problem> problems = new ArrayList<>();
            Path entitiesFile = rules.directory().resolve(RulesLoader.ENTITIES_FILE);
            Set<String> badEntities = new HashSet<>();
            for (Entity e : rules.entities().values()) {
                FileProblems p = new FileProblems(entitiesFile);
                checkEntity(e, p);
                if (p.count() > 0) {
                    badEntities.add(e.name());
                    problems.addAll(p.list());
                }
            }
            Map<String, Flow> valid = new LinkedHashMap<>();
            for (Flow flow : rules.flows().values()) {
                FileProblems p = new FileProblems(flow.file());
                if (badEntities.contains(flow.entity())) {
                    p.add("/entity", "entity \"" + flow.entity() + "\" does not match the database", "fix entities.json first (see above)");
                } else {
                    checkFlow(flow, rules.entityOf(flow), p);
                }
                problems.addAll(p.list());
                if (p.count() == 0) {
                    valid.put(flow.name(), flow);
                }
            }
            Map<String, Entity> entities = new LinkedHashMap<>(rules.entities());
            entities.keySet().removeAll(badEntities);
            return new ValidatedRules(new Rules(rules.directory(), entities, valid), problems);
        } catch (SQLException e) {
            throw new ConfigurationException("cannot check the rules against the database: " + e.getMessage(), e);
        }
    }

    private Optional<TableCatalog.Table> table(Entity e) throws SQLException {
        return table(e.schema(), e.table());
    }

    private Optional<TableCatalog.Table> table(String schema, String name) throws SQLException {
        String qualified = schema + "." + name;
        Optional<TableCatalog.Table> t = tables.get(qualified);
        if (t == null) {
            t = catalog.table(schema, name);
            tables.put(qualified, t);
        }
        return t;
    }

    /**
     * Checks every hop of the entity's relations: the related table exists and may be read, the foreign
     * key column exists in the row it starts from, the key column exists, both have compatible types,
     * and the key is indexed (else every lookup would scan the table).
     */
    private void checkRelations(Entity e, TableCatalog.Table from, Map<String, Relation> relations, String pointer,
            String chain, FileProblems p) throws SQLException {
        for (Relation r : relations.values()) {
            String path = chain.isEmpty() ? r.name() : chain + "." + r.name();
            int hop = path.split("\\.").length;
            String at = at(pointer, r.name());
            String where = "entity \"" + e.name() + "\", relation " + path + " (hop " + hop + ", " + from.qualified()
                    + "." + r.column() + " -> " + r.qualifiedTable() + "." + r.key() + ")";
            int before = p.count();
            Optional<TableCatalog.Table> found = table(r.schema(), r.table());
            if (!from.columns().contains(r.column())) {
                String close = Suggestions.closest(r.column(), from.columns());
                p.add(at(at, "column"), where + ": column \"" + r.column() + "\" does not exist in " + from.qualified(),
                        (close != null ? "did you mean \"" + close + "\"? " : "") + "(columns: "
                                + String.join(", ", from.columns()) + ")");
            }
            if (found.isEmpty()) {
                List<String> inSchema = catalog.tables(r.schema());
                String close = Suggestions.closest(r.table(), inSchema);
                p.add(at(at, "table"), where + ": table " + r.qualifiedTable() + " does not exist",
                        close != null ? "did you mean \"" + r.schema() + "." + close + "\"?"
                                : inSchema.isEmpty() ? "schema \"" + r.schema() + "\" has no tables"
                                : "the tables of " + r.schema() + " are " + String.join(", ", inSchema));
                continue;
            }
            TableCatalog.Table to = found.get();
            if (!to.columns().contains(r.key())) {
                String close = Suggestions.closest(r.key(), to.columns());
                p.add(at(at, "key"), where + ": key column \"" + r.key() + "\" does not exist in " + to.qualified(),
                        (close != null ? "did you mean \"" + close + "\"? " : "") + "(columns: "
                                + String.join(", ", to.columns()) + ")");
            } else {
                String fkType = from.type(r.column());
                String keyType = to.type(r.key());
                if (fkType != null && !compatible(fkType, keyType)) {
                    p.add(at(at, "key"), where + ": the foreign key is " + fkType + " but the key is " + keyType
                            + ", so the lookup could not use the key's index", "point the relation at a key of the same"
                            + " type, or make the columns the same type");
                } else if (!catalog.indexed(to, r.key())) {
                    p.add(at(at, "key"), where + ": " + to.qualified() + "." + r.key() + " has no index, so every lookup"
                            + " would read the whole table", "run: CREATE INDEX ON " + to.qualified() + " ("
                            + TableCatalog.quote(r.key()) + ");");
                }
            }
            if (!catalog.readable(to)) {
                p.add(at(at, "table"), where + ": the connector's user may not read " + to.qualified(),
                        "run: GRANT SELECT ON " + to.qualified() + " TO <the connector's user>;");
            }
            if (p.count() == before) {
                related.put(e.name() + ":" + path, to);
                checkRelations(e, to, r.relations(), at(at, "relations"), path, p);
            }
        }
    }

    /** Types a foreign key and a key may have to compare by the key's index: the same, or the same family. */
    static boolean compatible(String a, String b) {
        return a.equals(b) || family(a) != null && family(a).equals(family(b));
    }

    private static String family(String type) {
        return switch (type) {
            case "smallint", "integer", "bigint" -> "integer";
            case "text", "character varying", "character", "name" -> "text";
            default -> null;
        };
    }

    /** A plain column of the entity's table, or a related value whose last table must hold the column. */
    private void property(Entity e, TableCatalog.Table t, String property, String pointer, FileProblems p) {
        RelatedPath path = property == null ? null : e.path(property);
        if (path == null) {
            column(t, property, pointer, p);
            return;
        }
        String chain = property.substring(0, property.lastIndexOf('.'));
        TableCatalog.Table last = related.get(e.name() + ":" + chain);
        if (last == null) {
            if (p.count() == 0) {
                p.add(pointer, "the related value " + property + " goes through a relation with problems",
                        "fix the entity's relations in entities.json first (see above)");
            }
            return;
        }
        if (!last.columns().contains(path.column())) {
            String close = Suggestions.closest(path.column(), last.columns());
            p.add(pointer, "the related value " + property + ": column \"" + path.column() + "\" does not exist in "
                    + last.qualified(), (close != null ? "did you mean \"" + close + "\"? " : "") + "(columns: "
                    + String.join(", ", last.columns()) + ")");
        }
    }

    private void checkEntity(Entity e, FileProblems p) throws SQLException {
        String base = at("/entities", e.name());
        Optional<TableCatalog.Table> found = table(e);
        if (found.isEmpty()) {
            List<String> inSchema = catalog.tables(e.schema());
            String close = Suggestions.closest(e.table(), inSchema);
            p.add(at(base, "table"), "table " + e.qualifiedTable() + " does not exist",
                    inSchema.isEmpty() ? "schema \"" + e.schema() + "\" has no tables; check the schema name and the database"
                            : close != null ? "did you mean \"" + e.schema() + "." + close + "\"?"
                            : "the tables of " + e.schema() + " are " + String.join(", ", inSchema));
            return;
        }
        TableCatalog.Table t = found.get();
        for (int i = 0; i < e.key().size(); i++) {
            column(t, e.key().get(i), at(at(base, "key"), i), p);
        }
        checkRelations(e, t, e.relations(), at(base, "relations"), "", p);
        property(e, t, e.organization(), at(base, "organization"), p);
        column(t, e.created(), at(base, "created"), p);
        column(t, e.modified(), at(base, "modified"), p);
        if (e.confirm() != null) {
            column(t, e.confirm().property(), at(at(base, "confirm"), "property"), p);
        }
    }

    private static void column(TableCatalog.Table t, String column, String pointer, FileProblems p) {
        if (column == null || t.columns().contains(column)) {
            return;
        }
        String close = Suggestions.closest(column, t.columns());
        p.add(pointer, "column \"" + column + "\" does not exist in " + t.qualified(),
                (close != null ? "did you mean \"" + close + "\"? " : "") + "(columns: " + String.join(", ", t.columns()) + ")");
    }

    private void checkFlow(Flow flow, Entity entity, FileProblems p) throws SQLException {
        if (flow.trigger() instanceof ConditionTrigger c) {
            checkCondition(flow, c, p);
            return;
        }
        EventTrigger trigger = (EventTrigger) flow.trigger();
        TableCatalog.Table t = table(entity).orElseThrow();
        column(t, trigger.property(), "/trigger/property", p);
        for (int i = 0; i < trigger.properties().size(); i++) {
            column(t, trigger.properties().get(i), at("/trigger/properties", i), p);
        }
        for (int i = 0; i < flow.criteria().size(); i++) {
            property(entity, t, flow.criteria().get(i).property(), at(at("/criteria", i), "property"), p);
        }
        for (Map.Entry<String, String> c : flow.context().entrySet()) {
            property(entity, t, c.getValue(), at("/context", c.getKey()), p);
        }
        if (trigger.needsOldValues() && t.replicaIdentity() != 'f') {
            String events = trigger.events().stream().map(EventType::wireName).sorted().collect(Collectors.joining(", "));
            p.add("/trigger/events", "the flow needs the old values of " + t.qualified() + " rows (" + events
                    + "), but the table's REPLICA IDENTITY is " + t.replicaIdentityName(),
                    "run: ALTER TABLE " + t.qualified() + " REPLICA IDENTITY FULL;");
        } else if (t.replicaIdentity() == 'n' || (t.replicaIdentity() == 'd' && !t.primaryKey())) {
            p.add("/entity", t.qualified() + " has no primary key and REPLICA IDENTITY " + t.replicaIdentityName()
                    + ": once published, PostgreSQL would refuse its updates and deletes",
                    "add a primary key, or run: ALTER TABLE " + t.qualified() + " REPLICA IDENTITY FULL;");
        }
    }

    private void checkCondition(Flow flow, ConditionTrigger c, FileProblems p) throws SQLException {
        ConditionQueryCheck.Described d = queries.describe(c.query());
        if (d.error() != null) {
            p.add("/trigger/query", "the database refuses the query: " + d.error(),
                    "fix the SQL (try it in psql, with :since replaced by now())");
            return;
        }
        if (!d.columns().contains("id")) {
            p.add("/trigger/query", "the query returns no \"id\" column (it returns " + String.join(", ", d.columns()) + ")",
                    "name the element's key column id, e.g. SELECT product_id AS id, ...");
        }
        for (int i = 0; i < flow.criteria().size(); i++) {
            String property = flow.criteria().get(i).property();
            if (!d.columns().contains(property)) {
                p.add(at(at("/criteria", i), "property"), "the query returns no column \"" + property + "\"",
                        "criteria of a condition flow apply to the query's columns: " + String.join(", ", d.columns()));
            }
        }
        if (!flow.organizations().all() && !d.columns().contains("organization")) {
            p.add("/organizations", "the flow is scoped to organizations but the query returns no \"organization\" column",
                    "add the element's organization to the query, e.g. ..., organization_id AS organization");
        }
    }
}
