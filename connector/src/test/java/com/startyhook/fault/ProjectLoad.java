package com.startyhook.fault;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ERP activity on {@code erp.project} while faults happen: single-row and multi-row insert
 * transactions, and update transactions of one to three distinct earlier projects, each update
 * adding 1 to the project's {@code budget}. The database is the ground truth of what happened
 * (a commit interrupted by a fault may or may not have happened): every project whose code starts
 * with the prefix must produce one {@code create} event, and {@code budget} {@code update} events.
 */
final class ProjectLoad implements AutoCloseable {
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String prefix;
    private final Random random;
    private final long pauseMillis;
    private final List<Long> committedIds = new ArrayList<>();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Thread thread;
    private volatile boolean running;
    private long sequence;

    ProjectLoad(String jdbcUrl, String user, String password, String prefix, long seed, long pauseMillis) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.prefix = prefix;
        this.random = new Random(seed);
        this.pauseMillis = pauseMillis;
        this.thread = new Thread(this::run, "load-" + prefix);
        this.thread.setDaemon(true);
    }

    ProjectLoad start() {
        running = true;
        thread.start();
        return this;
    }

    /** Stops the load and waits for the transaction in progress. */
    void stop() {
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Transactions committed (as the client saw it). */
    long transactions() {
        return transactions.get();
    }

    /** Transactions that failed (database down, connection lost): their outcome is the database's to say. */
    long failures() {
        return failures.get();
    }

    private void run() {
        Connection c = null;
        while (running) {
            try {
                if (c == null) {
                    c = connect();
                    c.setAutoCommit(false);
                }
                int kind = random.nextInt(100);
                List<Long> ids;
                synchronized (committedIds) {
                    ids = committedIds.isEmpty() ? List.of() : List.copyOf(committedIds);
                }
                if (kind < 40 || ids.size() < 3) {
                    insert(c, 1);
                } else if (kind < 65) {
                    insert(c, 2 + random.nextInt(4));
                } else {
                    update(c, ids, 1 + random.nextInt(3));
                }
                transactions.incrementAndGet();
            } catch (SQLException e) {
                failures.incrementAndGet();
                close(c);
                c = null;
                sleep(200);
            }
            sleep(pauseMillis);
        }
        close(c);
    }

    private void insert(Connection c, int rows) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO erp.project (organization_id, code, name, budget)"
                + " VALUES (?, ?, ?, 0) RETURNING id")) {
            for (int i = 0; i < rows; i++) {
                String code = prefix + "-" + (++sequence);
                ps.setLong(1, 1 + random.nextInt(2));
                ps.setString(2, code);
                ps.setString(3, "project " + code);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ids.add(rs.getLong(1));
                }
            }
            c.commit();
        } catch (SQLException e) {
            rollback(c);
            throw e;
        }
        synchronized (committedIds) {
            committedIds.addAll(ids);
        }
    }

    private void update(Connection c, List<Long> ids, int rows) throws SQLException {
        Set<Long> chosen = new HashSet<>();
        while (chosen.size() < Math.min(rows, ids.size())) {
            // favour recent projects, as ERP activity does, so that several updates of one project queue up
            int from = Math.max(0, ids.size() - 40);
            chosen.add(ids.get(from + random.nextInt(ids.size() - from)));
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE erp.project SET budget = budget + 1,"
                + " updated_at = now() WHERE id = ?")) {
            for (long id : chosen) {
                ps.setLong(1, id);
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            rollback(c);
            throw e;
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the caller reconnects
        }
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
