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
        Optional<TableCatalog.Table> t = tables.get(e.qualifiedTable());
        if (t == null) {
            t = catalog.table(e.schema(), e.table());
            tables.put(e.qualifiedTable(), t);
        }
        return t;
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
        column(t, e.organization(), at(base, "organization"), p);
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
            column(t, flow.criteria().get(i).property(), at(at("/criteria", i), "property"), p);
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
