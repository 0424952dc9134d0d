package com.startyhook.cli;

import com.startyhook.rules.ConditionTrigger;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.Flow;
import com.startyhook.rules.QueryTables;
import com.startyhook.rules.Rules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The SQL of a least-privilege deployment for a set of rules ({@code startyhook setup-sql}): a role
 * with LOGIN and REPLICATION that owns nothing in the ERP database, SELECT on what the rules read, the
 * publication of the event flows' tables, the replica identities old values need, and the
 * connector's own database.
 *
 * @param role          the connector's role
 * @param publication   the publication capture reads
 * @param erpDatabase   the ERP database's name for GRANT CONNECT, or null when not known
 * @param stateDatabase the database to create for the connector's schema, or null to keep the schema
 *                      in the ERP database (then the role gets CREATE there)
 */
record SetupSql(String role, String publication, String erpDatabase, String stateDatabase) {

    String render(Rules rules) {
        Set<String> captured = new TreeSet<>();
        Set<String> oldValues = new TreeSet<>();
        Map<String, List<String>> readers = new TreeMap<>();
        List<String> unread = new ArrayList<>();
        for (Flow flow : rules.flows().values()) {
            if (flow.trigger() instanceof EventTrigger trigger) {
                Entity entity = rules.entityOf(flow);
                if (entity == null) {
                    continue;
                }
                captured.add(entity.qualifiedTable());
                reader(readers, entity.qualifiedTable(), flow);
                // related values are read from these tables when the event is detected
                relatedTables(entity.relations().values(), t -> reader(readers, t, flow));
                if (trigger.needsOldValues()) {
                    oldValues.add(entity.qualifiedTable());
                }
            } else if (flow.trigger() instanceof ConditionTrigger condition) {
                Optional<Set<String>> tables = QueryTables.of(condition.query());
                if (tables.isEmpty()) {
                    unread.add(flow.name());
                } else {
                    tables.get().forEach(t -> reader(readers, t, flow));
                }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("-- StartyHook: the one-time set-up of a least-privilege deployment, for the rules in ")
                .append(rules.directory()).append('\n')
                .append("-- (").append(count(rules, EventTrigger.class)).append(" event flows, ")
                .append(count(rules, ConditionTrigger.class)).append(" condition flows).\n")
                .append("-- Run it with psql as a superuser, or as a role with CREATEROLE that owns the tables below.\n")
                .append("-- The connector then needs nothing more: it owns no ERP table and creates nothing in the ERP"
                        + " database.\n\n");
        b.append("-- 1. The connector's role: it may log in and read the write-ahead log (REPLICATION), nothing else.\n")
                .append("CREATE ROLE ").append(ident(role)).append(" WITH LOGIN REPLICATION;\n")
                .append("-- Give it a password without it appearing in any file or history, in psql:\n")
                .append("--   \\password ").append(role).append("\n\n");
        b.append("-- 2. In the ERP database").append(erpDatabase == null ? " (connect to it first: \\c <erp database>)"
                : " (\\c " + erpDatabase + ")").append(": read the tables the rules use.\n");
        if (erpDatabase != null) {
            b.append("GRANT CONNECT ON DATABASE ").append(ident(erpDatabase)).append(" TO ").append(ident(role))
                    .append(";\n");
        }
        Set<String> schemas = new TreeSet<>();
        readers.keySet().forEach(t -> {
            int dot = t.indexOf('.');
            if (dot > 0) {
                schemas.add(t.substring(0, dot));
            }
        });
        for (String schema : schemas) {
            b.append("GRANT USAGE ON SCHEMA ").append(ident(schema)).append(" TO ").append(ident(role)).append(";\n");
        }
        readers.forEach((table, flows) -> b.append("GRANT SELECT ON ").append(qualified(table)).append(" TO ")
                .append(ident(role)).append(";  -- ").append(String.join(", ", flows)).append('\n'));
        for (String flow : unread) {
            b.append("-- flow ").append(flow).append(": its query could not be read here; grant SELECT on the tables"
                    + " it reads by hand\n");
        }
        b.append('\n');
        b.append("-- 3. The publication capture reads: the event flows' tables. The connector uses it as it is and"
                + " checks at\n--    start that every event flow's table is in it (ALTER PUBLICATION ").append(publication)
                .append(" ADD TABLE ... adds one later).\n");
        if (captured.isEmpty()) {
            b.append("-- (no event flow: no publication needed)\n\n");
        } else {
            b.append("CREATE PUBLICATION ").append(ident(publication)).append(" FOR TABLE ")
                    .append(String.join(", ", captured.stream().map(SetupSql::qualified).toList())).append(";\n\n");
        }
        if (!oldValues.isEmpty()) {
            b.append("-- 4. Old values, for the flows that compare a row before and after a change (updated with"
                    + " properties,\n--    changed, become): PostgreSQL writes them to the log only with REPLICA"
                    + " IDENTITY FULL.\n");
            oldValues.forEach(t -> b.append("ALTER TABLE ").append(qualified(t)).append(" REPLICA IDENTITY FULL;\n"));
            b.append('\n');
        }
        if (stateDatabase != null) {
            b.append("-- 5. The connector's own database (state.url): outbox, attempts, offsets, activations.\n")
                    .append("--    On this server or another; then set state.url=jdbc:postgresql://HOST:5432/")
                    .append(stateDatabase).append(" and state.user=").append(role).append(".\n")
                    .append("CREATE DATABASE ").append(ident(stateDatabase)).append(" OWNER ").append(ident(role))
                    .append(";\n");
        } else {
            b.append("-- 5. The connector's schema in the ERP database (the alternative to state.url): it creates"
                    + " its schema there.\n")
                    .append(erpDatabase == null ? "-- GRANT CREATE ON DATABASE <erp database> TO " + role + ";\n"
                            : "GRANT CREATE ON DATABASE " + ident(erpDatabase) + " TO " + ident(role) + ";\n");
        }
        return b.toString();
    }

    private static void reader(Map<String, List<String>> readers, String table, Flow flow) {
        List<String> flows = readers.computeIfAbsent(table.toLowerCase(Locale.ROOT), t -> new ArrayList<>());
        if (!flows.contains(flow.name())) {
            flows.add(flow.name());
        }
    }

    private static void relatedTables(java.util.Collection<com.startyhook.rules.Relation> relations,
            java.util.function.Consumer<String> table) {
        for (com.startyhook.rules.Relation r : relations) {
            table.accept(r.qualifiedTable());
            relatedTables(r.relations().values(), table);
        }
    }

    private static long count(Rules rules, Class<?> trigger) {
        return rules.flows().values().stream().filter(f -> trigger.isInstance(f.trigger())).count();
    }

    /** A table as the rules name it, quoted part by part when a part is not a plain lower-case name. */
    static String qualified(String table) {
        return String.join(".", java.util.Arrays.stream(table.split("\\.")).map(SetupSql::ident).toList());
    }

    static String ident(String name) {
        if (name.matches("[a-z_][a-z0-9_$]*")) {
            return name;
        }
        if (name.startsWith("\"") && name.endsWith("\"")) {
            return name;
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
