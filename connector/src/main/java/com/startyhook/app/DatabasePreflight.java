package com.startyhook.app;

import com.startyhook.ConfigurationException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Checks at start what capture needs from the ERP database, so that a wrong setting stops the
 * connector with the fix instead of a failing engine later: {@code wal_level=logical} and a role
 * allowed to replicate.
 */
final class DatabasePreflight {
    private DatabasePreflight() {}

    /**
     * The state database (state.url): the connector's role must be able to create its schema
     * there, or the schema must exist already.
     */
    static void checkState(Connection c, String schema) throws SQLException {
        try (var ps = c.prepareStatement("SELECT current_user, current_database(),"
                + " has_database_privilege(current_database(), 'CREATE'),"
                + " EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(3) && !rs.getBoolean(4)) {
                    throw new ConfigurationException("the role " + rs.getString(1) + " may not create the schema "
                            + schema + " in the state database " + rs.getString(2) + "; run there: GRANT CREATE ON"
                            + " DATABASE " + rs.getString(2) + " TO " + rs.getString(1) + "; (or create the database"
                            + " with OWNER " + rs.getString(1) + ")");
                }
            }
        }
    }

    static void check(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('wal_level'), current_user,"
                        + " (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user)")) {
            rs.next();
            String walLevel = rs.getString(1);
            String user = rs.getString(2);
            if (!"logical".equals(walLevel)) {
                throw new ConfigurationException("the database runs with wal_level=" + walLevel
                        + "; capture needs logical: run ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL");
            }
            if (!rs.getBoolean(3)) {
                throw new ConfigurationException("the role " + user + " may not replicate; run ALTER ROLE " + user
                        + " REPLICATION; (see README, Deploying beside a real ERP database)");
            }
        }
    }
}
