package com.startyhook.store;

import com.startyhook.ConfigurationException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's connection pool to PostgreSQL and its own schema (docs/design.md). {@link #migrate()}
 * applies the versioned migrations shipped in {@code sql/migration} with Flyway.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    public static final String DEFAULT_SCHEMA = "startyhook";
    public static final int DEFAULT_POOL_SIZE = 8;
    /** Bound on any one statement on the connector's pooled connections (server side, statement_timeout). */
    public static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(30);
    /** Bound on a schema migration's statements (an index over millions of outbox rows takes a while). */
    public static final Duration MIGRATION_STATEMENT_TIMEOUT = Duration.ofHours(1);
    private static final Duration CLIENT_CHECK_INTERVAL = Duration.ofSeconds(5);

    private final HikariDataSource dataSource;
    private final String schema;

    public Database(String jdbcUrl, String user, String password, String schema, int poolSize) {
        this(jdbcUrl, user, password, schema, poolSize, "startyhook");
    }

    /** A pool named {@code poolName} (also the connections' application_name in pg_stat_activity). */
    public Database(String jdbcUrl, String user, String password, String schema, int poolSize, String poolName) {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new ConfigurationException("database url must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://localhost:5432/erp (key db.url), got: " + redactUrl(jdbcUrl));
        }
        this.schema = checkSchema(schema);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setPoolName(poolName);
        config.setInitializationFailTimeout(-1);
        config.setConnectionTimeout(10_000);
        config.addDataSourceProperty("ApplicationName", poolName);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        // The connector's tables start empty and grow fast (a fresh outbox, a first monitor scan):
        // a generic plan cached while a table was empty keeps scanning it long after it has grown
        // (one outbox claim ran for minutes that way). Plan each execution with its real parameters.
        // Every statement has a bound, so a bad plan or a lock queue can never hold the ERP's server for an
        // hour: the claims and finishes of delivery bound themselves tighter (a few seconds), scans and
        // retention set their own per transaction (SET LOCAL), migrations run on connections of their own.
        // Where the server can (PostgreSQL 14+), a backend whose client died stops its query too.
        config.setConnectionInitSql("SET plan_cache_mode = force_custom_plan;"
                + " SET statement_timeout = " + STATEMENT_TIMEOUT.toMillis() + ";"
                + " SELECT set_config('client_connection_check_interval', '" + CLIENT_CHECK_INTERVAL.toMillis()
                + "ms', false) WHERE current_setting('server_version_num')::int >= 140000");
        this.dataSource = new HikariDataSource(config);
    }

    public static String checkSchema(String schema) {
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            throw new ConfigurationException("schema name '" + schema + "' is not a plain lower-case SQL "
                    + "identifier (key db.schema); use letters, digits and underscores, e.g. startyhook");
        }
        return schema;
    }

    /** Applies pending migrations; a no-op when the schema is current. */
    public MigrateResult migrate() {
        // connections of its own: the pool's statement_timeout is too short for an index over a big outbox,
        // and a session setting made here must not leak into pooled connections
        MigrateResult result = Flyway.configure()
                .dataSource(migrationDataSource())
                .schemas(schema)
                .defaultSchema(schema)
                .createSchemas(true)
                .locations("classpath:startyhook/sql/migration")
                .table("schema_history")
                .load()
                .migrate();
        if (result.migrationsExecuted > 0) {
            LOG.info("Schema {} migrated to version {} ({} migrations applied)",
                    schema, result.targetSchemaVersion, result.migrationsExecuted);
        } else {
            LOG.debug("Schema {} is up to date", schema);
        }
        return result;
    }

    /**
     * Connections for migrations: the session's statement bound is set at connect (the startup packet's
     * options), so it holds for every statement of every migration.
     */
    DataSource migrationDataSource() {
        org.postgresql.ds.PGSimpleDataSource migrations = new org.postgresql.ds.PGSimpleDataSource();
        migrations.setURL(dataSource.getJdbcUrl());
        migrations.setUser(dataSource.getUsername());
        migrations.setPassword(dataSource.getPassword());
        migrations.setApplicationName("startyhook-migrations");
        migrations.setOptions("-c statement_timeout=" + MIGRATION_STATEMENT_TIMEOUT.toMillis());
        return migrations;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public String schema() {
        return schema;
    }

    /**
     * A pooled connection. Its search_path is the database's default, because monitor queries
     * and ERP tables are resolved as the ERP's users expect: the connector's own SQL always
     * qualifies its tables with {@link #table(String)}.
     */
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** The schema-qualified name of one of the connector's own tables or views. */
    public String table(String name) {
        return schema + "." + name;
    }

    /** Removes user information and passwords from a JDBC URL so it can be logged. */
    public static String redactUrl(String url) {
        if (url == null) {
            return "(none)";
        }
        return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//[^/@]*@", "//***@");
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
