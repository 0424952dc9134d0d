package com.startyhook.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CPU of the PostgreSQL processes serving the ERP database during a measured window: every
 * backend whose {@code pg_stat_activity.datname} is the ERP database (the benchmark's own sampling
 * session excepted) and the walsender of the connector's slot ({@code pg_replication_slots.active_pid}).
 * Processes come and go, so they are sampled every 200 ms and the CPU of each pid counts from its
 * first sight to its last. Where the server's processes are not this machine's (another host, no
 * {@code /proc}) the total is -1 ("n/a").
 */
final class ErpDbCpu implements AutoCloseable {
    static final long SAMPLE_MILLIS = 200;

    private final Connection connection;
    private final PreparedStatement pids;
    private final Map<Long, long[]> firstAndLast = new ConcurrentHashMap<>();
    private final Thread sampler;
    private volatile boolean stop;
    private volatile String failure;

    /** Starts sampling; {@code slot} is the connector's replication slot. */
    ErpDbCpu(String url, String user, String password, String slot) throws SQLException {
        connection = DriverManager.getConnection(url, user, password);
        try (Statement s = connection.createStatement()) {
            s.execute("SET statement_timeout = 5000");
        }
        pids = connection.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                + " AND pid <> pg_backend_pid() UNION SELECT active_pid FROM pg_replication_slots"
                + " WHERE slot_name = ? AND active_pid IS NOT NULL");
        pids.setString(1, slot);
        sample();
        sampler = new Thread(() -> {
            while (!stop) {
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                    sample();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-erp-db-cpu");
        sampler.setDaemon(true);
        sampler.start();
    }

    private synchronized void sample() {
        try (ResultSet rs = pids.executeQuery()) {
            while (rs.next()) {
                long pid = rs.getLong(1);
                if (!"postgres".equals(ProcStat.name(pid))) {
                    continue; // not a process of this machine's server (or gone already)
                }
                long cpu = ProcStat.cpuMicros(pid);
                if (cpu >= 0) {
                    firstAndLast.compute(pid, (k, v) -> v == null ? new long[] {cpu, cpu} : new long[] {v[0], cpu});
                }
            }
        } catch (SQLException e) {
            failure = e.getMessage();
        }
    }

    /**
     * Ends the window with a last sample: the CPU those processes spent in it, in µs, or -1 when
     * none of them could be read.
     */
    synchronized long stopMicros() {
        sample();
        stop = true;
        sampler.interrupt();
        if (firstAndLast.isEmpty()) {
            return -1;
        }
        long total = 0;
        for (long[] v : firstAndLast.values()) {
            total += v[1] - v[0];
        }
        return total;
    }

    /** The last sampling error, or null. */
    String failure() {
        return failure;
    }

    @Override
    public void close() {
        stop = true;
        sampler.interrupt();
        try {
            connection.close();
        } catch (SQLException e) {
            // the window's figure is taken already
        }
    }
}
