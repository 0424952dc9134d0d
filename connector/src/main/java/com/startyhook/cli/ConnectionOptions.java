package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.store.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The options that reach a database ({@code --db}, {@code --db-user}, {@code --db-password-env}),
 * a mixin of every command that connects to one. Defaults come from the same environment variables
 * as {@code run}'s configuration; the password only ever from an environment variable, never from
 * a flag value.
 */
final class ConnectionOptions {
    static final String ENV_URL = "STARTYHOOK_DB_URL";
    static final String ENV_USER = "STARTYHOOK_DB_USER";
    static final String ENV_PASSWORD = "STARTYHOOK_DB_PASSWORD";
    static final String DEFAULT_USER = "postgres";

    @Option(names = "--db", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "JDBC URL of the database (default: $" + ENV_URL + ").")
    String url;

    @Option(names = "--db-user", scope = ScopeType.INHERIT, paramLabel = "USER",
            description = "Database user (default: $" + ENV_USER + ", else " + DEFAULT_USER + ").")
    String user;

    @Option(names = "--db-password-env", scope = ScopeType.INHERIT, paramLabel = "NAME", defaultValue = ENV_PASSWORD,
            description = "Environment variable holding the database password (default: ${DEFAULT-VALUE}).")
    String passwordEnv;

    /** The URL from the flag or the environment, or null when neither gives one. */
    String urlOrNull(Map<String, String> environment) {
        String u = url != null ? url : environment.get(ENV_URL);
        return u == null || u.isBlank() ? null : u;
    }

    String url(Map<String, String> environment) {
        String u = urlOrNull(environment);
        if (u == null) {
            throw new ConfigurationException("no database given: pass --db jdbc:postgresql://HOST:5432/DB or set "
                    + ENV_URL);
        }
        return u;
    }

    String user(Map<String, String> environment) {
        return user != null ? user : environment.getOrDefault(ENV_USER, DEFAULT_USER);
    }

    String password(Map<String, String> environment) {
        return environment.get(passwordEnv);
    }

    /** What to check when the database refuses, for messages. */
    String advice() {
        return "check --db, --db-user and $" + passwordEnv;
    }

    /** A plain connection to {@code url}, named {@code applicationName} in pg_stat_activity. */
    Connection connect(String url, Map<String, String> environment, String applicationName) {
        return connect(url, user(environment), password(environment), applicationName, advice());
    }

    /** A plain connection; a refusal is a configuration error ending with {@code advice}. */
    static Connection connect(String url, String user, String password, String applicationName, String advice) {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", applicationName);
        try {
            return DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            throw new ConfigurationException("cannot connect to " + Database.redactUrl(url) + ": " + e.getMessage()
                    + "; " + advice, e);
        }
    }
}
