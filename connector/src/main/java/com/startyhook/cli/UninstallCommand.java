package com.startyhook.cli;

import com.startyhook.capture.PublicationOwner;
import com.startyhook.config.ConfigCatalogue;
import com.startyhook.ops.Leadership;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "uninstall", header = "Drops the replication slot, the publication and optionally the connector's schema.", mixinStandardHelpOptions = true,
        description = {"Removes what the connector left in the database: the replication slot (which otherwise",
            "makes PostgreSQL keep WAL), the publication and, with --drop-schema, the connector's schema",
            "(outbox, attempts, activations, offsets). Without --yes it only says what it would do.",
            "Refuses while a connector is running, unless --force (which ends its sessions)."})
final class UninstallCommand extends Subcommand {
    @Mixin
    DatabaseOptions database;

    @Option(names = "--slot", paramLabel = "NAME", description = "Replication slot (default: $STARTYHOOK_CAPTURE_SLOT,"
            + " else startyhook).")
    String slot;

    @Option(names = "--publication", paramLabel = "NAME", description = "Publication (default:"
            + " $STARTYHOOK_CAPTURE_PUBLICATION, else startyhook).")
    String publication;

    @Option(names = "--drop-schema", description = "Also drop the connector's schema and everything in it.")
    boolean dropSchema;

    @Option(names = "--yes", description = "Do it (without it, nothing is changed).")
    boolean yes;

    @Option(names = "--force", description = "Terminate the sessions of a connector that is still running.")
    boolean force;


    @Override
    public Integer call() throws SQLException {
        PrintWriter out = spec.commandLine().getOut();
        String slotName = setting("capture.slot", slot);
        String publicationName = setting("capture.publication", publication);
        String schema = database.schemaName(environment);
        boolean separate = database.stateUrlOrNull(environment) != null;
        try (Connection c = database.connect(environment, "startyhook uninstall");
                Connection s = separate ? database.connectState(environment, "startyhook uninstall") : null) {
            // the slot and the publication are in the ERP database; the schema and the leader lock in the state one
            Connection st = separate ? s : c;
            Long slotBytes = slotRetainedBytes(c, slotName);
            PublicationOwner owner = PublicationOwner.read(c, publicationName);
            boolean hasPublication = owner != null;
            // an administrator's publication (owned by another role) is theirs to drop
            boolean ownPublication = owner != null && mayDrop(c, owner.role());
            boolean hasSchema = exists(st, "SELECT 1 FROM pg_namespace WHERE nspname = ?", schema);
            List<String> running = runningSessions(c, st, slotName, schema);
            if (!running.isEmpty() && !force) {
                spec.commandLine().getErr().println("A connector is still running: " + String.join("; ", running)
                        + ". Stop it first (SIGTERM to `startyhook run`), or pass --force to end its sessions;"
                        + " a connector left running recreates the slot and publication. Nothing was changed.");
                return ExitCodes.PROBLEMS;
            }
            List<String> plan = new ArrayList<>();
            if (!running.isEmpty()) {
                plan.add("terminate " + String.join("; ", running));
            }
            plan.add(slotBytes == null ? "replication slot " + slotName + ": none"
                    : "drop replication slot " + slotName + " (retains " + (slotBytes >> 10) + " kB of WAL)");
            plan.add(!hasPublication ? "publication " + publicationName + ": none"
                    : ownPublication ? "drop publication " + publicationName
                    : "keep publication " + publicationName + " (its owner " + owner.role() + " manages it; they drop"
                            + " it with DROP PUBLICATION " + quote(publicationName) + ";)");
            if (dropSchema) {
                plan.add(hasSchema ? "drop schema " + schema + " with the outbox, attempts, activations and offsets"
                        : "schema " + schema + ": none");
            } else if (hasSchema && slotBytes != null) {
                plan.add("clear the capture offsets in " + schema + ".capture_offset (they point into the slot)");
            }
            if (!yes) {
                plan.forEach(p -> out.println("would " + p));
                out.println("Nothing was changed: run again with --yes to do it.");
                return ExitCodes.OK;
            }
            if (!running.isEmpty()) {
                terminate(c, st, slotName, schema);
                out.println("terminated " + String.join("; ", running));
            }
            if (slotBytes != null) {
                dropSlot(c, slotName);
                out.println("dropped replication slot " + slotName);
            } else {
                out.println("replication slot " + slotName + ": none");
            }
            boolean complete = true;
            if (hasPublication && !ownPublication) {
                out.println("kept publication " + publicationName + ": its owner " + owner.role() + " manages it (DROP"
                        + " PUBLICATION " + quote(publicationName) + "; as " + owner.role() + " removes it)");
            } else if (hasPublication) {
                try {
                    execute(c, "DROP PUBLICATION IF EXISTS " + quote(publicationName));
                    out.println("dropped publication " + publicationName);
                } catch (SQLException e) {
                    // e.g. created by another role: say what its owner must run, and go on
                    complete = false;
                    out.println("could not drop publication " + publicationName + " (" + e.getMessage()
                            + "); its owner must run: DROP PUBLICATION " + quote(publicationName) + ";");
                }
            } else {
                out.println("publication " + publicationName + ": none");
            }
            if (dropSchema && hasSchema) {
                execute(st, "DROP SCHEMA " + quote(schema) + " CASCADE");
                out.println("dropped schema " + schema + (separate ? " in the state database" : ""));
            } else if (hasSchema && slotBytes != null && exists(st,
                    "SELECT 1 FROM pg_tables WHERE schemaname = ? AND tablename = 'capture_offset'", schema)) {
                try {
                    execute(st, "DELETE FROM " + quote(schema) + ".capture_offset");
                    out.println("cleared capture offsets in " + schema);
                } catch (SQLException e) {
                    complete = false;
                    out.println("could not clear the capture offsets in " + schema + " (" + e.getMessage()
                            + "); run as the schema's owner, or drop it with --drop-schema");
                }
            }
            out.println((complete ? "Uninstalled" : "Uninstalled, except what is listed above")
                    + (dropSchema ? "" : " (schema " + schema + " kept; --drop-schema removes it)") + ".");
            return complete ? ExitCodes.OK : ExitCodes.PROBLEMS;
        }
    }

    private String setting(String key, String flag) {
        if (flag != null) {
            return flag;
        }
        var k = ConfigCatalogue.get(key);
        return environment.getOrDefault(k.environmentVariable(), k.defaultValue());
    }

    /** WAL the slot retains in bytes, or null when there is no such slot in this database. */
    private static Long slotRetainedBytes(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(),"
                + " restart_lsn), 0)::bigint FROM pg_replication_slots WHERE slot_name = ?"
                + " AND database = current_database()")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /** What shows that a connector runs: the walsender reading the slot, the session holding the leader lock. */
    private static List<String> runningSessions(Connection c, Connection state, String slot, String schema)
            throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT s.active_pid, a.client_addr FROM pg_replication_slots s"
                + " LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid WHERE s.slot_name = ?"
                + " AND s.database = current_database() AND s.active_pid IS NOT NULL")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add("slot " + slot + " is read by walsender pid " + rs.getInt(1) + client(rs.getString(2)));
                }
            }
        }
        try (PreparedStatement ps = state.prepareStatement(leaderSessions("l.pid, a.client_addr"))) {
            ps.setLong(1, Leadership.lockKey(schema));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add("the leader lock of schema " + schema + " is held by pid " + rs.getInt(1)
                            + client(rs.getString(2)));
                }
            }
        }
        return found;
    }

    private static String leaderSessions(String columns) {
        return "SELECT " + columns + " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database"
                + " WHERE datname = current_database()) AND ((l.classid::bigint << 32) | l.objid::bigint) = ?";
    }

    private static String client(String address) {
        return address == null ? " (local)" : " (from " + address + ")";
    }

    private static void terminate(Connection c, Connection state, String slot, String schema) throws SQLException {
        try (PreparedStatement ps = state.prepareStatement("SELECT pg_terminate_backend(l.pid) FROM ("
                + leaderSessions("l.pid") + ") l")) {
            ps.setLong(1, Leadership.lockKey(schema));
            ps.execute();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM"
                + " pg_replication_slots WHERE slot_name = ? AND database = current_database()"
                + " AND active_pid IS NOT NULL")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /** Drops the slot, waiting a little while a terminated walsender lets go of it. */
    private static void dropSlot(Connection c, String slot) throws SQLException {
        for (int i = 0; ; i++) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM"
                    + " pg_replication_slots WHERE slot_name = ? AND database = current_database()")) {
                ps.setString(1, slot);
                ps.execute();
                return;
            } catch (SQLException stillActive) {
                if (i >= 50) {
                    throw new SQLException("cannot drop replication slot " + slot + ": " + stillActive.getMessage()
                            + "; is a connector still reading it? stop it and run uninstall again", stillActive);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw stillActive;
                }
            }
        }
    }

    private static boolean exists(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** The connector's role owns what {@code role} owns, or is a superuser. */
    private static boolean mayDrop(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_has_role(?, 'USAGE') OR (SELECT rolsuper FROM pg_roles"
                + " WHERE rolname = current_user)")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
