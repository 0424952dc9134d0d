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
    /** The slot and publication of the peer (Debezium Server's HTTP sink). */
    static final String PEER_SLOT = "startyhook_bench_peer";
    /** The database of the connector's state in the layout {@code --state separate}, on the ERP's server. */
    static final String STATE_DATABASE = "startyhook_bench_state";

    /**
     * Creates (again) the database {@link #STATE_DATABASE} on this server and returns it, for the
     * connector's schema in the layout the README recommends.
     */
    BenchDatabase createStateDatabase() throws SQLException, InterruptedException {
        dropStateDatabase();
        try {
            execute("CREATE DATABASE " + STATE_DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException("--state separate: could not create the database " + STATE_DATABASE
                    + " beside the ERP database as " + user + " (" + e.getMessage() + "); grant that user CREATEDB, or"
                    + " measure with the state in the ERP database: --state erp", e);
        }
        return new BenchDatabase(withDatabase(url, STATE_DATABASE), user, password);
    }

    /** Drops {@link #STATE_DATABASE} if it is there (retrying while a stopped connector's sessions end). */
    void dropStateDatabase() throws SQLException, InterruptedException {
        for (int i = 0; ; i++) {
            try {
                execute("DROP DATABASE IF EXISTS " + STATE_DATABASE);
                return;
            } catch (SQLException e) {
                if (i >= 50) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** {@code url} naming database {@code name} instead of its own (parameters kept). */
    static String withDatabase(String url, String name) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        int slash = base.lastIndexOf('/');
        if (!base.startsWith("jdbc:postgresql://") || slash < "jdbc:postgresql://".length()) {
            throw new IllegalStateException("--state separate: cannot name another database in "
                    + com.startyhook.store.Database.redactUrl(url) + "; give --db as jdbc:postgresql://HOST:PORT/DATABASE");
        }
        return base.substring(0, slash + 1) + name + (query < 0 ? "" : url.substring(query));
    }

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
        String slots = "('" + ConnectorUnderTest.SLOT + "', '" + RAW_SLOT + "', '" + PEER_SLOT + "')";
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
            s.execute("DROP PUBLICATION IF EXISTS " + PEER_SLOT);
        }
        dropSchema();
    }

    /** Drops the connector's schema in this database. */
    void dropSchema() throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + ConnectorUnderTest.SCHEMA + " CASCADE");
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

    /** The peer (Debezium Server's HTTP sink) on its own slot, reading erp.project, posting to {@code url}. */
    HttpSinkPeer peer(long pollMillis, java.nio.file.Path offsets, java.net.URI target, javax.net.ssl.SSLContext trust,
            byte[] secret) {
        return new HttpSinkPeer(new CaptureSource(url, user, password), PEER_SLOT, Set.of("erp.project"),
                Duration.ofMillis(pollMillis), offsets, target, trust, secret);
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    @Override
    public String toString() {
        return "BenchDatabase[" + com.startyhook.store.Database.redactUrl(url) + ", user=" + user + "]";
    }
}
