package com.startyhook.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * ERP load on the demo schema. Every session commits with {@code synchronous_commit = on}, as an
 * ERP would: with it off, PostgreSQL hands WAL to logical decoding only when the WAL writer flushes
 * (up to 3 × wal_writer_delay later), which would add to every latency measured.
 * The commit time of each change that must produce a webhook is {@link System#nanoTime()} taken
 * right after {@code commit()} returned, in the same JVM as the receiver's clock.
 */
final class LoadGenerator {
    static final String CREATED = "bench-project-created";
    static final String CONFIRMED = "bench-invoice-confirmed";
    static final String BLOCKED = "bench-customer-blocked";
    static final String STOCK = "bench-stock-changed";
    static final int BACKLOG_TRANSACTION = 10_000;

    private final String url;
    /** user, password and the session's name in pg_stat_activity */
    private final Properties login = new Properties();

    LoadGenerator(String url, String user, String password) {
        this.url = url;
        login.setProperty("user", user);
        if (password != null) {
            login.setProperty("password", password);
        }
        login.setProperty("ApplicationName", "startyhook bench load");
    }

    Connection open() throws SQLException {
        Connection c = DriverManager.getConnection(url, login);
        try (Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = on");
        }
        c.setAutoCommit(false);
        return c;
    }

    /** Inserts {@code rows} projects in transactions of up to 10,000 rows. */
    void backlog(int rows, CommitLog log) throws SQLException {
        try (Connection c = open(); PreparedStatement ps = c.prepareStatement("INSERT INTO erp.project"
                + " (organization_id, code, name, budget) SELECT 1, 'B-' || g, 'Bench project ' || g, 1000 + g % 9000"
                + " FROM generate_series(?, ?) g RETURNING id")) {
            for (int done = 0; done < rows; done += BACKLOG_TRANSACTION) {
                int n = Math.min(BACKLOG_TRANSACTION, rows - done);
                ps.setInt(1, done + 1);
                ps.setInt(2, done + n);
                List<Long> ids = new ArrayList<>(n);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                c.commit();
                long now = System.nanoTime();
                for (long id : ids) {
                    log.committed(ReceiptLog.key(CREATED, Long.toString(id)), now);
                }
            }
        }
    }

    /** Customers and products for the mixed case, committed before its flows are active. */
    Pools seed(int customers, int products) throws SQLException {
        try (Connection c = open()) {
            long[] cs = ids(c, "INSERT INTO erp.customer (organization_id, name, email) SELECT 1, 'Bench customer ' || g,"
                    + " 'b' || g || '@example.com' FROM generate_series(1, " + customers + ") g RETURNING id");
            long[] ps = ids(c, "INSERT INTO erp.product (organization_id, sku, name, price, reorder_level) SELECT 1,"
                    + " 'BENCH-' || g || '-' || md5(random()::text), 'Bench product ' || g, 10, 5"
                    + " FROM generate_series(1, " + products + ") g RETURNING id");
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO erp.stock_movement (organization_id, product_id, qty, reason) SELECT 1, id, 100,"
                        + " 'opening balance' FROM unnest('{" + join(ps) + "}'::bigint[]) id");
            }
            c.commit();
            return new Pools(cs, ps);
        }
    }

    private static long[] ids(Connection c, String sql) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static String join(long[] ids) {
        StringBuilder b = new StringBuilder();
        for (long id : ids) {
            b.append(b.length() == 0 ? "" : ",").append(id);
        }
        return b.toString();
    }

    /** Pre-created elements of the mixed case: each customer is blocked at most once. */
    static final class Pools {
        private final long[] customers;
        private final long[] products;
        private final AtomicInteger nextCustomer = new AtomicInteger();

        Pools(long[] customers, long[] products) {
            this.customers = customers;
            this.products = products;
        }

        long nextCustomer() {
            int i = nextCustomer.getAndIncrement();
            return i < customers.length ? customers[i] : -1;
        }

        long anyProduct() {
            return products[ThreadLocalRandom.current().nextInt(products.length)];
        }
    }

    /** What one paced run did. */
    record Paced(long transactions, double seconds, long behindMaxMicros) {
        double rate() {
            return transactions / seconds;
        }
    }

    /**
     * Runs single-row transactions at {@code rate} per second for {@code seconds}, spread over a few
     * sessions so that one slow commit does not hold the schedule back. {@code pools} null: project
     * inserts only (live case); otherwise the mixed cycle.
     */
    Paced paced(int rate, int seconds, Pools pools, CommitLog log) throws Exception {
        int sessions = Math.max(1, Math.min(8, rate / 250));
        long period = 1_000_000_000L * sessions / rate;
        long start = System.nanoTime() + 20_000_000L;
        long end = start + seconds * 1_000_000_000L;
        AtomicLong done = new AtomicLong();
        AtomicLong behind = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < sessions; t++) {
            long first = start + t * (1_000_000_000L / rate);
            Thread thread = new Thread(() -> {
                try (Connection c = open()) {
                    Deque<Long> drafts = new ArrayDeque<>();
                    long i = 0;
                    for (long due = first; due < end; due += period, i++) {
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        } else {
                            behind.accumulateAndGet(-wait / 1000, Math::max);
                        }
                        if (pools == null) {
                            insertProject(c, log);
                        } else {
                            mixedStep(c, i, pools, drafts, log);
                        }
                        done.incrementAndGet();
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-load-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Paced(done.get(), (System.nanoTime() - start) / 1e9, behind.get());
    }

    private static void insertProject(Connection c, CommitLog log) throws SQLException {
        long id;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO erp.project (organization_id, code, name)"
                + " VALUES (1, 'L', 'Live project') RETURNING id"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
        }
        c.commit();
        log.committed(ReceiptLog.key(CREATED, Long.toString(id)), System.nanoTime());
    }

    /** The mixed cycle: draft invoice, its confirmation (two updates, the ERP way), a customer blocked, stock moved, a project. */
    private static void mixedStep(Connection c, long i, Pools pools, Deque<Long> drafts, CommitLog log)
            throws SQLException {
        switch ((int) (i % 5)) {
            case 0 -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO erp.document (organization_id, doc_type,"
                        + " total) VALUES (1, 'invoice', 1500) RETURNING id"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    drafts.add(rs.getLong(1));
                }
                c.commit();
            }
            case 1 -> {
                Long doc = drafts.poll();
                if (doc == null) {
                    return;
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE erp.document SET status = 'confirmed',"
                        + " confirmed_at = now() WHERE id = ?");
                        PreparedStatement bump = c.prepareStatement("UPDATE erp.document SET updated_at = now()"
                                + " WHERE id = ?")) {
                    ps.setLong(1, doc);
                    ps.executeUpdate();
                    bump.setLong(1, doc);
                    bump.executeUpdate();
                }
                c.commit();
                log.committed(ReceiptLog.key(CONFIRMED, Long.toString(doc)), System.nanoTime());
            }
            case 2 -> {
                long customer = pools.nextCustomer();
                if (customer < 0) {
                    return;
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE erp.customer SET status = 'blocked',"
                        + " updated_at = now() WHERE id = ?")) {
                    ps.setLong(1, customer);
                    ps.executeUpdate();
                }
                c.commit();
                log.committed(ReceiptLog.key(BLOCKED, Long.toString(customer)), System.nanoTime());
            }
            case 3 -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO erp.stock_movement (organization_id,"
                        + " product_id, qty, reason) VALUES (1, ?, ?, 'sale')")) {
                    ps.setLong(1, pools.anyProduct());
                    ps.setInt(2, -1 - ThreadLocalRandom.current().nextInt(3));
                    ps.executeUpdate();
                }
                c.commit();
            }
            default -> insertProject(c, log);
        }
    }
}
