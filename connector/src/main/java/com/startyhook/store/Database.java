package com.startyhook.store;

import com.startyhook.ConfigurationException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's connection pool to PostgreSQL and its own schema (DESIGN §6). {@link #migrate()}
 * applies the versioned migrations shipped in {@code sql/migration} with Flyway.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    public static final String DEFAULT_SCHEMA = "startyhook";
    public static final int DEFAULT_POOL_SIZE = 8;

    private final HikariDataSource dataSource;
    private final String schema;

    public Database(String jdbcUrl, String user, String password, String schema, int poolSize) {
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
        config.setPoolName("startyhook");
        config.setInitializationFailTimeout(-1);
        config.setConnectionTimeout(10_000);
        config.addDataSourceProperty("ApplicationName", "startyhook");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        // The connector's tables start empty and grow fast (a fresh outbox, a first monitor scan):
        // a generic plan cached while a table was empty keeps scanning it long after it has grown
        // (one outbox claim ran for minutes that way). Plan each execution with its real parameters.
        config.setConnectionInitSql("SET plan_cache_mode = force_custom_plan");
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
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
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
