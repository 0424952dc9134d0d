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
 * The filtered publication and the replication slot on the ERP database (docs/capture.md): the
 * publication holds exactly the tables that active event flows use, never {@code FOR ALL TABLES}
 * (PostgreSQL refuses updates on published tables without a primary key).
 *
 * @param source the ERP database
 * @param name   the publication ({@code capture.publication})
 * @param slot   the replication slot ({@code capture.slot})
 */
record Publication(CaptureSource source, String name, String slot) {
    private static final Logger LOG = LoggerFactory.getLogger(Publication.class);

    /** Creates the publication for {@code tables}, or sets its tables to exactly these. */
    void ensure(Set<String> tables) {
        try (Connection c = connect()) {
            Boolean allTables = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        allTables = rs.getBoolean(1);
                    }
                }
            }
            if (Boolean.TRUE.equals(allTables)) {
                throw new CaptureException("publication " + name + " publishes ALL TABLES, which makes PostgreSQL refuse"
                        + " updates on tables without a primary key; drop it (DROP PUBLICATION " + name
                        + ";) and let the connector create a filtered one, or set capture.publication to another name");
            }
            String list = tableList(tables);
            if (allTables == null) {
                execute(c, "CREATE PUBLICATION " + name + " FOR TABLE " + list);
                LOG.info("Created publication {} for {}", name, tables);
            } else if (!current(c).equals(new TreeSet<>(tables))) {
                execute(c, "ALTER PUBLICATION " + name + " SET TABLE " + list);
                LOG.info("Publication {} now holds {}", name, tables);
            }
        } catch (SQLException e) {
            throw new CaptureException("cannot create or update publication " + name + " on "
                    + source + ": " + e.getMessage() + "; the connector's user needs CREATE on the database and"
                    + " ownership of the published tables", e);
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
