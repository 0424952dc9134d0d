package com.startyhook.events;

import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.Flow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks, against the ERP database's catalog, that an event flow can run (docs/capture.md): its table
 * exists, can be published without breaking the ERP (a primary key or a replica identity), is not
 * one of the connector's own, and has {@code REPLICA IDENTITY FULL} when the flow needs old values.
 */
final class FlowCheck {
    private record TableInfo(char replicaIdentity, boolean hasPrimaryKey) {}

    private final Connection connection;
    private final String connectorSchema;
    private final Map<String, TableInfo> cache = new HashMap<>();

    FlowCheck(Connection connection, String connectorSchema) {
        this.connection = connection;
        this.connectorSchema = connectorSchema;
    }

    /** Why the flow cannot run, or null when it can. */
    String problem(Flow flow, Entity entity) throws SQLException {
        if (entity == null) {
            return "flow " + flow.name() + " uses entity '" + flow.entity() + "', which entities.json does not define;"
                    + " add it there or fix the flow's entity";
        }
        String table = entity.qualifiedTable();
        if (entity.schema().equals(connectorSchema)) {
            return "flow " + flow.name() + " watches " + table + ", a table of the connector's own schema, which is"
                    + " never captured; map the entity to an ERP table";
        }
        TableInfo info = info(entity);
        if (info == null) {
            return "flow " + flow.name() + ": table " + table + " of entity " + entity.name()
                    + " does not exist in the ERP database; fix the entity's table in entities.json";
        }
        if (info.replicaIdentity() == 'n' || (info.replicaIdentity() == 'd' && !info.hasPrimaryKey())) {
            return "flow " + flow.name() + ": table " + table + " has no primary key and no replica identity, so"
                    + " publishing it would make PostgreSQL refuse its updates and deletes; add a primary key or run:"
                    + " ALTER TABLE " + table + " REPLICA IDENTITY FULL;";
        }
        EventTrigger trigger = (EventTrigger) flow.trigger();
        if (trigger.needsOldValues() && info.replicaIdentity() != 'f') {
            return "flow " + flow.name() + " (events " + trigger.events() + ") needs the old values of " + table
                    + ", which PostgreSQL sends only with REPLICA IDENTITY FULL; run: ALTER TABLE " + table
                    + " REPLICA IDENTITY FULL;";
        }
        return null;
    }

    private TableInfo info(Entity entity) throws SQLException {
        String key = entity.qualifiedTable();
        if (cache.containsKey(key)) {
            return cache.get(key);
        }
        TableInfo info = null;
        try (PreparedStatement ps = connection.prepareStatement("SELECT c.relreplident,"
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')")) {
            ps.setString(1, entity.schema());
            ps.setString(2, entity.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    info = new TableInfo(rs.getString(1).charAt(0), rs.getBoolean(2));
                }
            }
        }
        cache.put(key, info);
        return info;
    }
}
