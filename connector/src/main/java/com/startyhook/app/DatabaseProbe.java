package com.startyhook.app;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Plain connections to the database with short timeouts, outside the pool: the start-up wait and
 * the health checks, which must answer within seconds when the database is unreachable. Tells a
 * database that is not there yet (refused, starting up, too many clients: worth waiting for) from
 * a configuration that will never work (wrong password, unknown role or database).
 */
final class DatabaseProbe {
    /** Connection failures that may clear by themselves: the server is down, starting, restarting or full. */
    private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "53300");

    private final String url;
    private final Properties properties = new Properties();

    DatabaseProbe(String url, String user, String password, String applicationName) {
        this.url = url;
        // short: the health checks answer within seconds, and a wait at start notices the database soon
        properties.putAll(Map.of("connectTimeout", "3", "loginTimeout", "5", "socketTimeout", "5",
                "ApplicationName", applicationName));
        Optional.ofNullable(user).ifPresent(u -> properties.setProperty("user", u));
        Optional.ofNullable(password).ifPresent(p -> properties.setProperty("password", p));
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, properties);
    }

    /** Null when the database answers {@code SELECT 1}, else its error. */
    String check() {
        try (Connection c = connect(); var st = c.createStatement()) {
            st.execute("SELECT 1");
            return null;
        } catch (SQLException e) {
            return message(e);
        }
    }

    static String message(Throwable e) {
        return Objects.toString(e.getMessage(), e.toString());
    }

    /**
     * True when {@code e} (or a cause) says the database cannot be reached right now: a connection
     * failure (SQLSTATE class 08 except a refused protocol, 08004 and 08P01), the server starting or
     * shutting down (57P0x), too many clients (53300), the pool timing out, or a network error.
     * Authentication (28000, 28P01), an unknown database (3D000) and everything else are not.
     */
    static boolean transientFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("28") || state.equals("3D000")) {
                    return false;
                }
                if (TRANSIENT_STATES.contains(state)
                        || state.startsWith("08") && !state.equals("08004") && !state.equals("08P01")) {
                    return true;
                }
            }
            if (t instanceof SQLTransientConnectionException || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** The configuration keys an operator should check after a failure that is not transient. */
    static String keysToFix(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                if (s.getSQLState().startsWith("28")) {
                    return "check db.user and db.password (STARTYHOOK_DB_PASSWORD)";
                }
                if (s.getSQLState().equals("3D000")) {
                    return "check the database name in db.url";
                }
            }
        }
        return "check db.url, db.user and db.password";
    }
}
