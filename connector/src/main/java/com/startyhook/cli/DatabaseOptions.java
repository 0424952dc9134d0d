package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.store.Database;
import java.sql.Connection;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The connector's database: the connection options and {@code --schema}, a mixin of every command
 * that reads or changes the connector's own tables ({@code run}, {@code flows}, {@code outbox},
 * {@code uninstall}).
 */
final class DatabaseOptions {
    static final String ENV_SCHEMA = "STARTYHOOK_DB_SCHEMA";

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--schema", scope = ScopeType.INHERIT, paramLabel = "SCHEMA", description = "The connector's schema (default: $"
            + ENV_SCHEMA + ", else startyhook).")
    String schema;

    static final String ENV_STATE_URL = "STARTYHOOK_STATE_URL";
    static final String ENV_STATE_USER = "STARTYHOOK_STATE_USER";
    static final String ENV_STATE_PASSWORD = "STARTYHOOK_STATE_PASSWORD";

    @Option(names = "--state", scope = ScopeType.INHERIT, paramLabel = "URL", description = "JDBC URL of the database"
            + " holding the connector's schema when it is not the ERP database (default: $" + ENV_STATE_URL
            + ", else --db).")
    String stateUrl;

    @Option(names = "--state-user", scope = ScopeType.INHERIT, paramLabel = "USER", description = "User of --state"
            + " (default: $" + ENV_STATE_USER + ", else --db-user).")
    String stateUser;

    @Option(names = "--state-password-env", scope = ScopeType.INHERIT, paramLabel = "NAME",
            defaultValue = ENV_STATE_PASSWORD, description = "Environment variable holding the password of --state"
                    + " (default: ${DEFAULT-VALUE}, else the --db password when --state-user is not given).")
    String statePasswordEnv;

    /** The state database's URL when it is not the ERP database, else null. */
    String stateUrlOrNull(Map<String, String> environment) {
        String u = stateUrl != null ? stateUrl : environment.get(ENV_STATE_URL);
        return u == null || u.isBlank() ? null : u;
    }

    private String stateUser(Map<String, String> environment) {
        String u = stateUser != null ? stateUser : environment.get(ENV_STATE_USER);
        return u != null ? u : connection.user(environment);
    }

    private String statePassword(Map<String, String> environment) {
        String p = environment.get(statePasswordEnv);
        if (p == null && stateUser == null && environment.get(ENV_STATE_USER) == null) {
            return connection.password(environment);
        }
        return p;
    }

    /**
     * A plain connection to the state database (the ERP database unless --state is given), for
     * {@code uninstall}.
     */
    Connection connectState(Map<String, String> environment, String applicationName) {
        String u = stateUrlOrNull(environment);
        if (u == null) {
            return connect(environment, applicationName);
        }
        return ConnectionOptions.connect(u, stateUser(environment), statePassword(environment), applicationName,
                "check --state, --state-user and $" + statePasswordEnv + " (the state database)");
    }

    String schemaName() {
        return schema != null ? schema : System.getenv().getOrDefault(ENV_SCHEMA, Database.DEFAULT_SCHEMA);
    }

    String schemaName(Map<String, String> environment) {
        return Database.checkSchema(schema != null ? schema : environment.getOrDefault(ENV_SCHEMA,
                Database.DEFAULT_SCHEMA));
    }

    /** A plain connection, without touching the connector's schema (for {@code uninstall}). */
    Connection connect(Map<String, String> environment, String applicationName) {
        return connection.connect(connection.url(environment), environment, applicationName);
    }

    /** A small pool on the ERP database (--db), for reading its rows; it touches no schema. */
    Database openErp(Map<String, String> environment) {
        return new Database(connection.url(environment), connection.user(environment),
                connection.password(environment), schemaName(environment), 2, "startyhook-erp");
    }

    /** Opens the connector's state database (--state, else --db) and brings its schema up to date. */
    Database open(Map<String, String> environment) {
        String state = stateUrlOrNull(environment);
        String u = state != null ? state : connection.url(environment);
        String s = schemaName(environment);
        Database db = state != null ? new Database(u, stateUser(environment), statePassword(environment), s, 2)
                : new Database(u, connection.user(environment), connection.password(environment), s, 2);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw new ConfigurationException("cannot open the connector's schema " + s + " at "
                    + Database.redactUrl(u) + ": " + rootMessage(e) + "; " + (state != null
                            ? "check --state, --state-user and $" + statePasswordEnv : connection.advice()), e);
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
