package com.startyhook.bench;

import com.startyhook.capture.CaptureSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;

/**
 * The database the benchmark runs on: the demo ERP schema (created when missing), and the
 * benchmark's own slots, publications and connector schema, dropped between cases and at the end.
 */
record BenchDatabase(String url, String user, String password) {
    static final String RAW_SLOT = "startyhook_bench_raw";

    /** Creates the demo ERP schema unless it is there; returns whether it created it. */
    boolean ensureErpSchema() throws SQLException, IOException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'erp'"
                        + " AND table_name IN ('project', 'customer', 'document', 'product', 'stock_movement')")) {
            rs.next();
            int tables = rs.getInt(1);
            if (tables == 5) {
                return false;
            }
            if (tables > 0) {
                throw new IllegalStateException("the database has an erp schema that is not the demo ERP schema;"
                        + " give the benchmark a scratch database");
            }
        }
        try (InputStream in = BenchDatabase.class.getResourceAsStream("/startyhook/sql/demo/erp_schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("sql/demo/erp_schema.sql is not on the classpath");
            }
            execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        return true;
    }

    /** Drops the benchmark's slots, publications and connector schema (nothing of the ERP's). */
    void dropState() throws SQLException, InterruptedException {
        String slots = "('" + ConnectorUnderTest.SLOT + "', '" + RAW_SLOT + "')";
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (int i = 0; i < 100; i++) { // a reader that was just closed may still hold its slot briefly
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE active"
                        + " AND database = current_database() AND slot_name IN " + slots)) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        break;
                    }
                }
                Thread.sleep(100);
            }
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE database = current_database() AND slot_name IN " + slots);
            s.execute("DROP PUBLICATION IF EXISTS " + ConnectorUnderTest.SLOT);
            s.execute("DROP PUBLICATION IF EXISTS " + RAW_SLOT);
            s.execute("DROP SCHEMA IF EXISTS " + ConnectorUnderTest.SCHEMA + " CASCADE");
        }
    }

    boolean slotActive(String slot) {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE active"
                        + " AND database = current_database() AND slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        } catch (SQLException e) {
            return false;
        }
    }

    long currentLsn() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (pg_current_wal_lsn() - '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The WAL {@code slot} still retains, in megabytes, or -1 when there is no such slot. */
    long retainedMb(String slot) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint / 1048576"
                        + " FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The raw Debezium engine on its own slot, reading erp.project, polling like the connector. */
    RawDebeziumReader rawReader(long pollMillis) {
        return new RawDebeziumReader(new CaptureSource(url, user, password), RAW_SLOT, Set.of("erp.project"),
                Duration.ofMillis(pollMillis));
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    @Override
    public String toString() {
        return "BenchDatabase[" + com.startyhook.store.Database.redactUrl(url) + ", user=" + user + "]";
    }
}
