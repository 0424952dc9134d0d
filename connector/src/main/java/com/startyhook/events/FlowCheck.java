package com.startyhook.events;

import com.startyhook.capture.PublicationOwner;
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
public final class FlowCheck {
    private record TableInfo(char replicaIdentity, boolean hasPrimaryKey, boolean canSelect, boolean owned,
            boolean published) {}

    private final Connection connection;
    private final String connectorSchema;
    private final String publication;
    private final Map<String, TableInfo> cache = new HashMap<>();
    /** The publication's owner, read once per check; {@link #NO_PUBLICATION} when it does not exist yet. */
    private PublicationOwner publicationOwner;
    private static final PublicationOwner NO_PUBLICATION = new PublicationOwner(null, true, false);

    /**
     * @param connection  to the ERP database
     * @param publication the publication capture reads ({@code capture.publication})
     */
    public FlowCheck(Connection connection, String connectorSchema, String publication) {
        this.connection = connection;
        this.connectorSchema = connectorSchema;
        this.publication = publication;
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
        String access = accessProblem(entity, info);
        if (access != null) {
            return "flow " + flow.name() + ": " + access;
        }
        EventTrigger trigger = (EventTrigger) flow.trigger();
        if (trigger.needsOldValues() && info.replicaIdentity() != 'f') {
            return "flow " + flow.name() + " (events " + trigger.events() + ") needs the old values of " + table
                    + ", which PostgreSQL sends only with REPLICA IDENTITY FULL; run: ALTER TABLE " + table
                    + " REPLICA IDENTITY FULL;";
        }
        return null;
    }

    /**
     * What the connector's role lacks to capture an event flow's table, or null: SELECT on it, and
     * either the table in the administrator's publication or, for a publication the connector
     * manages, ownership of the table. The message ends with the statement that fixes it.
     */
    public String accessProblem(Entity entity) throws SQLException {
        TableInfo info = info(entity);
        return info == null ? null : accessProblem(entity, info);
    }

    private String accessProblem(Entity entity, TableInfo info) throws SQLException {
        String table = entity.qualifiedTable();
        if (!info.canSelect()) {
            return "the connector's role may not read " + table + "; run: GRANT SELECT ON " + table + " TO "
                    + currentUser() + "; (startyhook setup-sql prints every grant the rules need)";
        }
        PublicationOwner pub = publication();
        if (!pub.managed() && !info.published()) {
            return "table " + table + " is not in publication " + publication + ", which its owner " + pub.role()
                    + " manages; run as " + pub.role() + ": ALTER PUBLICATION " + publication + " ADD TABLE " + table
                    + ";";
        }
        if (pub.managed() && !info.owned()) {
            return "the connector's role does not own " + table + ", so it cannot add it to publication "
                    + publication + "; let an administrator create the publication once (startyhook setup-sql prints"
                    + " the statements, e.g. CREATE PUBLICATION " + publication + " FOR TABLE " + table
                    + ";), and the connector uses it as it is";
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
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),"
                + " has_table_privilege(c.oid, 'SELECT'), pg_has_role(c.relowner, 'USAGE'),"
                + " EXISTS (SELECT 1 FROM pg_publication_tables t WHERE t.pubname = ? AND t.schemaname = n.nspname"
                + " AND t.tablename = c.relname)"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')")) {
            ps.setString(1, publication);
            ps.setString(2, entity.schema());
            ps.setString(3, entity.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    info = new TableInfo(rs.getString(1).charAt(0), rs.getBoolean(2), rs.getBoolean(3),
                            rs.getBoolean(4), rs.getBoolean(5));
                }
            }
        }
        cache.put(key, info);
        return info;
    }

    private PublicationOwner publication() throws SQLException {
        if (publicationOwner == null) {
            PublicationOwner owner = PublicationOwner.read(connection, publication);
            publicationOwner = owner == null ? NO_PUBLICATION : owner;
        }
        return publicationOwner;
    }

    private String currentUser() throws SQLException {
        try (var s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
