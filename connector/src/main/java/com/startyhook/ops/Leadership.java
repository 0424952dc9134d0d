package com.startyhook.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election with a PostgreSQL session-level advisory lock (docs/operations.md): of all the connector
 * processes on one database, the one holding the lock runs capture and monitors (a replication
 * slot has one reader); all run delivery. The lock lives on a dedicated connection: when the
 * leader dies, PostgreSQL ends its session, releases the lock, and the next process to try takes it.
 */
public final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(2);

    /** What to do when this process becomes leader or stops being it. Called on the election thread. */
    public interface Listener {
        void elected();

        void demoted();
    }

    private final String jdbcUrl;
    private final Properties connectionProperties;
    private final long lockKey;
    private final Duration checkInterval;
    private final Listener listener;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean running = true;
    private Connection connection;

    public Leadership(String jdbcUrl, String user, String password, String schema, Duration checkInterval,
            Listener listener) {
        this.jdbcUrl = jdbcUrl;
        this.connectionProperties = new Properties();
        connectionProperties.setProperty("user", user);
        if (password != null) {
            connectionProperties.setProperty("password", password);
        }
        connectionProperties.setProperty("ApplicationName", "startyhook-leader");
        connectionProperties.setProperty("tcpKeepAlive", "true");
        connectionProperties.setProperty("connectTimeout", "10");
        connectionProperties.setProperty("socketTimeout", String.valueOf(Math.max(10, checkInterval.toSeconds() * 5)));
        this.lockKey = lockKey(schema);
        this.checkInterval = checkInterval;
        this.listener = listener;
        this.thread = new Thread(this::runElection, "leader-election");
        this.thread.setDaemon(true);
    }

    /** The advisory lock key: derived from the schema, so connectors with different schemas don't compete. */
    public static long lockKey(String schema) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(("startyhook-leader:" + schema)
                    .getBytes(StandardCharsets.UTF_8));
            long k = 0;
            for (int i = 0; i < 8; i++) {
                k = (k << 8) | (d[i] & 0xff);
            }
            return k;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void start() {
        thread.start();
    }

    public boolean isLeader() {
        return leader.get();
    }

    private void runElection() {
        while (running) {
            try {
                if (!leader.get()) {
                    if (tryAcquire()) {
                        leader.set(true);
                        LOG.info("This process is now the leader: starting capture and monitors");
                        safely(listener::elected);
                    }
                } else if (!stillHeld()) {
                    leader.set(false);
                    LOG.warn("Lost leadership (the lock is no longer held): stopping capture and monitors");
                    safely(listener::demoted);
                }
            } catch (RuntimeException e) {
                LOG.error("Unexpected error in leader election; will keep trying", e);
            }
            try {
                Thread.sleep(checkInterval.toMillis());
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    private boolean tryAcquire() {
        try {
            if (connection == null || connection.isClosed()) {
                connection = DriverManager.getConnection(jdbcUrl, connectionProperties);
            }
            try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, lockKey);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        } catch (SQLException e) {
            LOG.warn("Leader election: database not reachable ({}); retrying", e.getMessage());
            closeConnection();
            return false;
        }
    }

    private boolean stillHeld() {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
                        + " AND ((classid::bigint << 32) | objid::bigint) = ?")) {
            ps.setLong(1, lockKey);
            ps.setQueryTimeout((int) Math.max(1, checkInterval.toSeconds() * 2));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        } catch (SQLException e) {
            LOG.warn("Leader election: checking the lock failed ({}); stepping down", e.getMessage());
            closeConnection();
            return false;
        }
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("Leadership change handler failed; will keep running", e);
        }
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // the session is gone either way
        }
        connection = null;
    }

    /** Steps down: stops the election, runs {@code demoted} if leader, and releases the lock. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leader.getAndSet(false)) {
            safely(listener::demoted);
        }
        closeConnection();
    }
}
