package com.startyhook.testsupport;

import com.startyhook.embedded.EmbeddedPostgres;
import com.startyhook.embedded.PostgresBinaries;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The one PostgreSQL server of a test run, with {@code wal_level=logical}: a Testcontainers
 * container when a Docker engine is present, otherwise an embedded server. Started on first use,
 * stopped when the JVM exits. Set {@code -Dstartyhook.test.postgres=embedded|docker} to force one.
 */
final class PostgresServer {
    interface Server {
        String jdbcUrl(String database);

        String user();

        String password();

        String kind();
    }

    private static Server server;

    private PostgresServer() {}

    static synchronized Server get() {
        if (server == null) {
            server = start();
        }
        return server;
    }

    private static Server start() {
        String forced = System.getProperty("startyhook.test.postgres", "auto");
        boolean docker = switch (forced) {
            case "docker" -> true;
            case "embedded" -> false;
            default -> dockerAvailable();
        };
        return docker ? startContainer() : startEmbedded();
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    private static Server startContainer() {
        @SuppressWarnings("resource")
        PostgreSQLContainer<?> c = new PostgreSQLContainer<>(DockerImageName.parse("postgres:15"))
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=32",
                        "-c", "max_wal_senders=32", "-c", "max_connections=300", "-c", "fsync=off");
        c.start();
        try {
            // the image's pg_hba.conf admits normal connections from any host, not replication ones
            c.execInContainer("bash", "-c",
                    "echo 'host replication all all scram-sha-256' >> \"$PGDATA/pg_hba.conf\" && "
                            + "psql -U " + c.getUsername() + " -d postgres -c 'SELECT pg_reload_conf()'");
        } catch (Exception e) {
            throw new IllegalStateException("could not allow replication connections in the container", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(c::stop));
        return new Server() {
            @Override
            public String jdbcUrl(String database) {
                return "jdbc:postgresql://" + c.getHost() + ":" + c.getMappedPort(5432) + "/" + database;
            }

            @Override
            public String user() {
                return c.getUsername();
            }

            @Override
            public String password() {
                return c.getPassword();
            }

            @Override
            public String kind() {
                return "testcontainers";
            }
        };
    }

    private static Server startEmbedded() {
        try {
            new PostgresBinaries().platform();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; for the tests: start a Docker engine (they then use"
                    + " Testcontainers, or force it with -Dstartyhook.test.postgres=docker)", e);
        }
        EmbeddedPostgres pg = EmbeddedPostgres.start();
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
        return new Server() {
            @Override
            public String jdbcUrl(String database) {
                return pg.jdbcUrl(database);
            }

            @Override
            public String user() {
                return pg.user();
            }

            @Override
            public String password() {
                return pg.password();
            }

            @Override
            public String kind() {
                return "embedded";
            }
        };
    }
}
