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

    /** Opens the connector's database and brings its schema up to date. */
    Database open(Map<String, String> environment) {
        String u = connection.url(environment);
        String s = schemaName(environment);
        Database db = new Database(u, connection.user(environment), connection.password(environment), s, 2);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw new ConfigurationException("cannot open the connector's schema " + s + " at "
                    + Database.redactUrl(u) + ": " + rootMessage(e) + "; " + connection.advice(), e);
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
