package com.startyhook.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publication and the replication slot on the ERP database (docs/capture.md). A publication the
 * connector manages holds exactly the tables that active event flows use, never {@code FOR ALL TABLES}
 * (PostgreSQL refuses updates on published tables without a primary key); one an administrator made
 * is used as it is.
 *
 * @param source the ERP database
 * @param name   the publication ({@code capture.publication})
 * @param slot   the replication slot ({@code capture.slot})
 */
record Publication(CaptureSource source, String name, String slot) {
    private static final Logger LOG = LoggerFactory.getLogger(Publication.class);

    /**
     * What capture reads: the tables it may stream and how heartbeats advance the slot.
     *
     * @param tables         the tables to stream: the flows' tables that the publication holds
     * @param managed        true when the connector manages the publication's tables
     * @param heartbeatQuery Debezium's heartbeat action query, or null when there is none
     * @param heartbeatTable the published heartbeat table it writes (PostgreSQL 13 and older), or null
     */
    record Prepared(Set<String> tables, boolean managed, String heartbeatQuery, String heartbeatTable) {}

    /** Prefix of the logical decoding messages that heartbeats emit on the ERP database. */
    static final String HEARTBEAT_PREFIX = "startyhook-heartbeat";
    /** The heartbeat table of PostgreSQL 13 and older, where the connector's schema is in the ERP database. */
    static final String HEARTBEAT_TABLE = "capture_heartbeat";

    /**
     * Makes the publication hold {@code tables}, or uses the one an administrator made as it is
     * (docs/capture.md, "Who owns the publication"):
     * <ul>
     * <li>no publication of that name: the connector creates it {@code FOR TABLE} exactly these
     * tables (this needs ownership of the tables; without it the message gives the administrator's
     * statement);</li>
     * <li>one the connector's role owns (and not {@code FOR ALL TABLES} or {@code FOR TABLES IN
     * SCHEMA}): managed, its tables set to exactly these;</li>
     * <li>any other: the administrator's, used as it is; only the tables it holds are streamed
     * (event flows on the others are refused before, by the flow check).</li>
     * </ul>
     */
    Prepared prepare(Set<String> tables, String stateSchema) {
        try (Connection c = connect()) {
            int version = c.getMetaData().getDatabaseMajorVersion() * 10_000;
            boolean messages = version >= 140_000;
            String legacyHeartbeat = null;
            if (!messages && tableExists(c, stateSchema, HEARTBEAT_TABLE)) {
                legacyHeartbeat = stateSchema + "." + HEARTBEAT_TABLE;
            }
            PublicationOwner owner = PublicationOwner.read(c, name);
            if (owner == null || owner.managed()) {
                if (owner != null && owner.allTables()) {
                    throw new CaptureException("publication " + name + " publishes ALL TABLES, which makes PostgreSQL"
                            + " refuse updates on tables without a primary key; drop it (DROP PUBLICATION " + name
                            + ";) and let the connector create a filtered one, or set capture.publication to another"
                            + " name");
                }
                Set<String> wanted = new TreeSet<>(tables);
                if (!messages && legacyHeartbeat != null) {
                    wanted.add(legacyHeartbeat);
                }
                String list = tableList(wanted);
                try {
                    if (owner == null) {
                        execute(c, "CREATE PUBLICATION " + name + " FOR TABLE " + list);
                        LOG.info("Created publication {} for {}", name, wanted);
                    } else if (!current(c).equals(wanted)) {
                        execute(c, "ALTER PUBLICATION " + name + " SET TABLE " + list);
                        LOG.info("Publication {} now holds {}", name, wanted);
                    }
                } catch (SQLException e) {
                    throw new CaptureException("cannot " + (owner == null ? "create" : "update") + " publication "
                            + name + " on " + source + ": " + e.getMessage() + "; either let an administrator create"
                            + " it once (CREATE PUBLICATION " + name + " FOR TABLE " + tableList(tables)
                            + "; see startyhook setup-sql), or give the connector's role ownership of the tables", e);
                }
                return new Prepared(Set.copyOf(tables), true, heartbeat(messages, legacyHeartbeat),
                        messages ? null : legacyHeartbeat);
            }
            Set<String> held = current(c);
            Set<String> streamed = new TreeSet<>(tables);
            streamed.retainAll(held);
            LOG.info("Publication {} is managed by its owner {}: streaming {} of {}", name, owner.role(), streamed,
                    tables);
            String heartbeatTable = legacyHeartbeat != null && held.contains(legacyHeartbeat) ? legacyHeartbeat : null;
            if (!messages && heartbeatTable == null) {
                LOG.warn("PostgreSQL {} emits no logical decoding messages and publication {} holds no heartbeat"
                        + " table: on an idle ERP database the slot advances only with changes of its tables",
                        c.getMetaData().getDatabaseProductVersion(), name);
            }
            return new Prepared(Set.copyOf(streamed), false, heartbeat(messages, heartbeatTable),
                    messages ? null : heartbeatTable);
        } catch (SQLException e) {
            throw new CaptureException("cannot read publication " + name + " on " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * The heartbeat: on PostgreSQL 14 and later a transactional logical decoding message, which
     * reaches the slot's stream without touching any table (pgoutput sends messages since 14);
     * before, an upsert of the published heartbeat table, when there is one.
     */
    private static String heartbeat(boolean messages, String legacyTable) {
        if (messages) {
            return "SELECT pg_logical_emit_message(true, '" + HEARTBEAT_PREFIX + "', now()::text)";
        }
        if (legacyTable != null) {
            return "INSERT INTO " + legacyTable + " (id, beat_at) VALUES (1, now())"
                    + " ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at";
        }
        return null;
    }

    private static boolean tableExists(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, quote(schema) + "." + quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    Set<String> current(Connection c) throws SQLException {
        Set<String> result = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(rs.getString(1) + "." + rs.getString(2));
                }
            }
        }
        return result;
    }

    /** Drops the slot (retrying while its last reader lets go) and the offsets that pointed into it. */
    void dropSlotAndOffsets(DataSource state, String stateSchema) {
        try (Connection c = connect()) {
            for (int i = 0; i < 50; i++) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                + " WHERE slot_name = ? AND database = current_database()")) {
                    ps.setString(1, slot);
                    ps.execute();
                    break;
                } catch (SQLException stillActive) {
                    Thread.sleep(100);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT active_pid FROM pg_replication_slots"
                    + " WHERE slot_name = ? AND database = current_database()")) {
                ps.setString(1, slot);
                try (var rs = ps.executeQuery()) {
                    if (rs.next()) {
                        // keep the offsets: the slot survives, and capture may read it again
                        throw new CaptureException("cannot drop replication slot " + slot + ": it is still in use"
                                + " by process " + rs.getObject(1) + "; it keeps WAL until dropped"
                                + " (startyhook uninstall, or SELECT pg_drop_replication_slot('" + slot + "'))");
                    }
                }
            }
        } catch (SQLException e) {
            throw new CaptureException("cannot drop replication slot " + slot + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try (Connection c = state.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM " + stateSchema + ".capture_offset");
        } catch (SQLException e) {
            throw new CaptureException("cannot clear capture offsets: " + e.getMessage(), e);
        }
        LOG.info("No active event flow: dropped replication slot {} so that it holds no WAL", slot);
    }

    /**
     * {@link ValueReading#NUMERIC_TYPES} and the source's domains over them (also domains over those), by
     * name and by schema-qualified name, upper case: Debezium sends a domain's values as its base type's
     * but names the column's type by the domain. One catalogue read per engine start, bounded by the
     * number of domains, at most 10 seconds.
     */
    Set<String> numericTypes() {
        Set<String> types = new TreeSet<>(ValueReading.NUMERIC_TYPES);
        String sql = "WITH RECURSIVE d(oid, base) AS (SELECT oid, typbasetype FROM pg_type WHERE typtype = 'd'"
                + " UNION ALL SELECT d.oid, t.typbasetype FROM d JOIN pg_type t ON t.oid = d.base AND t.typtype = 'd')"
                + " SELECT upper(t.typname), upper(n.nspname || '.' || t.typname) FROM d"
                + " JOIN pg_type t ON t.oid = d.oid JOIN pg_namespace n ON n.oid = t.typnamespace"
                + " WHERE d.base IN ('numeric'::regtype, 'money'::regtype)";
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.setQueryTimeout(10);
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    types.add(rs.getString(1));
                    types.add(rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new CaptureException("cannot read the domain types of " + source + ": " + e.getMessage()
                    + "; the connector's user needs to read the catalogue (pg_type)", e);
        }
        return types;
    }

    private Connection connect() throws SQLException {
        return source.connect();
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String tableList(Set<String> tables) {
        List<String> quoted = new ArrayList<>();
        for (String t : new TreeSet<>(tables)) {
            int dot = t.indexOf('.');
            quoted.add(quote(t.substring(0, dot)) + "." + quote(t.substring(dot + 1)));
        }
        return String.join(", ", quoted);
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
