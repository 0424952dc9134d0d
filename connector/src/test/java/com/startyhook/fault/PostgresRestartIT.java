package com.startyhook.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.startyhook.embedded.EmbeddedPostgres;
import com.startyhook.testsupport.ConnectorProcess;
import com.startyhook.testsupport.DemoSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault 4: PostgreSQL itself restarts under load (a dedicated embedded server with a kept data
 * directory, stopped and started again on the same port). Capture restarts with backoff, delivery
 * and leader election reconnect, and everything is delivered once the database is back.
 */
class PostgresRestartIT {

    /** The dedicated server, which the test stops and starts again. */
    private static final class Server implements AutoCloseable {
        final Path dataDirectory;
        final int port = ConnectorProcess.freePort();
        private final Thread shutdownHook = new Thread(this::stopServer, "stop-fault-postgres");
        volatile EmbeddedPostgres postgres;

        Server() throws Exception {
            dataDirectory = Files.createTempDirectory("startyhook-fault-pgdata");
            postgres = EmbeddedPostgres.start(dataDirectory, port);
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }

        private synchronized void stopServer() {
            if (postgres != null) {
                postgres.close();
                postgres = null;
            }
        }

        void restart(Runnable whileDown) {
            stopServer();
            whileDown.run();
            postgres = EmbeddedPostgres.start(dataDirectory, port);
        }

        @Override
        public void close() {
            stopServer();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            FaultBed.deleteRecursively(dataDirectory);
        }
    }

    private static boolean databaseDown(JsonNode health) {
        return health != null && "DOWN".equals(health.path("status").asText())
                && "down".equals(health.path("details").path("database").asText());
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void databaseRestartedUnderLoadLosesNothing() throws Exception {
        try (Server server = new Server()) {
            String admin = server.postgres.jdbcUrl("postgres");
            try (Connection c = DriverManager.getConnection(admin, server.postgres.user(), server.postgres.password());
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE erp");
            }
            String url = server.postgres.jdbcUrl("erp");
            String user = server.postgres.user();
            String password = server.postgres.password();
            try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
                s.execute(DemoSchema.sql());
            }
            try (FaultBed bed = new FaultBed("pg_restart", url, user, password)) {
                bed.flows("5s", List.of("500ms", "1s", "2s", "2s", "2s", "2s", "2s", "2s", "2s", "2s", "2s", "2s"));
                ConnectorProcess connector = bed.connector("run").start();
                bed.awaitCapturing(connector);
                try (ProjectLoad load = bed.load(23, 30).start()) {
                    for (int restart = 1; restart <= 2; restart++) {
                        long before = load.transactions();
                        await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > before + 100);
                        boolean first = restart == 1;
                        server.restart(() -> {
                            // down long enough for every part of the connector to notice
                            long failures = load.failures();
                            await().atMost(Duration.ofSeconds(30)).until(() -> load.failures() > failures + 15);
                            if (first) {
                                await("/health reporting the database down").atMost(Duration.ofSeconds(60))
                                        .until(() -> databaseDown(connector.health()));
                            }
                        });
                        bed.awaitCapturing(connector);
                    }
                    long after = load.transactions();
                    await().atMost(Duration.ofSeconds(30)).until(() -> load.transactions() > after + 100);
                }
                assertThat(connector.isAlive()).as("the connector survived the database restarts").isTrue();
                bed.verifyEverythingDeliveredOnce("PostgreSQL restarted x2 under load", Duration.ofSeconds(90));
            }
        }
    }
}
