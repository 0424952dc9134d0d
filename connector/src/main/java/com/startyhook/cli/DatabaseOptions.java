package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.store.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The database options of the operator commands ({@code flows}, {@code outbox}, {@code uninstall}).
 * Defaults come from the same environment variables as {@code run}; the password only ever from
 * an environment variable, never from a flag value.
 */
final class DatabaseOptions {
    static final String ENV_URL = "STARTYHOOK_DB_URL";
    static final String ENV_USER = "STARTYHOOK_DB_USER";
    static final String ENV_PASSWORD = "STARTYHOOK_DB_PASSWORD";
    static final String ENV_SCHEMA = "STARTYHOOK_DB_SCHEMA";

    @Option(names = "--db", scope = ScopeType.INHERIT, paramLabel = "URL", description = "JDBC URL of the database (default: $" + ENV_URL + ").")
    String url;

    @Option(names = "--db-user", scope = ScopeType.INHERIT, paramLabel = "USER", description = "Database user (default: $" + ENV_USER
            + ", else postgres).")
    String user;

    @Option(names = "--db-password-env", scope = ScopeType.INHERIT, paramLabel = "NAME", defaultValue = ENV_PASSWORD,
            description = "Environment variable holding the database password (default: ${DEFAULT-VALUE}).")
    String passwordEnv;

    @Option(names = "--schema", scope = ScopeType.INHERIT, paramLabel = "SCHEMA", description = "The connector's schema (default: $"
            + ENV_SCHEMA + ", else startyhook).")
    String schema;

    String schemaName() {
        return schema != null ? schema : System.getenv().getOrDefault(ENV_SCHEMA, Database.DEFAULT_SCHEMA);
    }

    String schemaName(Map<String, String> environment) {
        return Database.checkSchema(schema != null ? schema : environment.getOrDefault(ENV_SCHEMA,
                Database.DEFAULT_SCHEMA));
    }

    String url(Map<String, String> environment) {
        String u = url != null ? url : environment.get(ENV_URL);
        if (u == null || u.isBlank()) {
            throw new ConfigurationException("no database given: pass --db jdbc:postgresql://HOST:5432/DB or set "
                    + ENV_URL);
        }
        return u;
    }

    private String user(Map<String, String> environment) {
        return user != null ? user : environment.getOrDefault(ENV_USER, "postgres");
    }

    /** A plain connection, without touching the connector's schema (for {@code uninstall}). */
    Connection connect(Map<String, String> environment) {
        String u = url(environment);
        try {
            return DriverManager.getConnection(u, user(environment), environment.get(passwordEnv));
        } catch (SQLException e) {
            throw new ConfigurationException("cannot connect to " + Database.redactUrl(u) + ": " + e.getMessage()
                    + "; check --db, --db-user and $" + passwordEnv, e);
        }
    }

    /** Opens the connector's database and brings its schema up to date. */
    Database open(Map<String, String> environment) {
        String u = url(environment);
        String usr = user(environment);
        String s = schemaName(environment);
        Database db = new Database(u, usr, environment.get(passwordEnv), s, 2);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw new ConfigurationException("cannot open the connector's schema " + s + " at "
                    + Database.redactUrl(u) + ": " + rootMessage(e) + "; check --db, --db-user and $" + passwordEnv, e);
        }
        return db;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
