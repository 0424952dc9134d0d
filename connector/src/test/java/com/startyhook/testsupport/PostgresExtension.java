package com.startyhook.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a fresh database on a real PostgreSQL with {@code wal_level=logical}.
 * The server is started once per test run ({@link PostgresServer}); each class gets its own
 * database, dropped afterwards together with any replication slot and publication made in it.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
 * </pre>
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private boolean demoSchema;
    private PostgresServer.Server server;
    private String database;
    /** Connector pools handed out by {@link #connectorDatabase}: closed after the class, before the database goes. */
    private final java.util.List<com.startyhook.store.Database> opened = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Loads {@code sql/demo/erp_schema.sql} into the class's database. */
    public PostgresExtension withDemoSchema() {
        this.demoSchema = true;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = PostgresServer.get();
        String simple = context.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT);
        database = "t_" + simple.replaceAll("[^a-z0-9]", "") + "_" + COUNTER.incrementAndGet()
                + "_" + ProcessHandle.current().pid();
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database);
            s.execute("CREATE DATABASE " + database);
        }
        if (demoSchema) {
            execute(DemoSchema.sql());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        opened.forEach(com.startyhook.store.Database::close);
        opened.clear();
        if (database == null) {
            return;
        }
        try (Connection c = admin(); Statement s = c.createStatement()) {
            // replication slots outlive their database's connections and keep WAL: drop them
            s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                    + "WHERE database = '" + database + "' AND active_pid IS NOT NULL");
            for (int i = 0; i < 50; i++) {
                try {
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                            + "WHERE database = '" + database + "'");
                    break;
                } catch (SQLException stillActive) {
                    Thread.sleep(100);
                }
            }
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    private Connection admin() throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
    }

    public String jdbcUrl() {
        return server.jdbcUrl(database);
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public String databaseName() {
        return database;
    }

    /** "embedded" or "testcontainers". */
    public String serverKind() {
        return server.kind();
    }

    /** The connector's own schema ("startyhook") in this database, migrated; the extension closes it after the class. */
    public com.startyhook.store.Database connectorDatabase(int poolSize) {
        com.startyhook.store.Database db = new com.startyhook.store.Database(jdbcUrl(), user(), password(),
                "startyhook", poolSize);
        opened.add(db);
        db.migrate();
        return db;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), password());
    }

    /** Runs one or more SQL statements (a script) in autocommit. */
    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of the first row of {@code sql}, or null. */
    public Object queryValue(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getObject(1) : null;
        }
    }

    public long count(String sqlFromWhere) throws SQLException {
        Object v = queryValue("SELECT count(*) FROM " + sqlFromWhere);
        return ((Number) v).longValue();
    }
}
