package com.startyhook.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The capture alone: transactions reach the sink folded, with TOAST placeholders resolved. */
class CaptureEngineIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    /** Another database on the same server: WAL that is not the ERP's. */
    @RegisterExtension
    static final PostgresExtension OTHER = new PostgresExtension();
    static Database db;
    static CaptureEngine engine;
    static final List<CommittedTransaction> SEEN = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        db = PG.connectorDatabase(2);
        PG.execute("CREATE TABLE erp.note (id bigint PRIMARY KEY, body text, n integer)");
        engine = new CaptureEngine(new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()), db.dataSource(),
                "startyhook", new CaptureConfig("capture_it", "capture_it", Duration.ofMillis(300), Duration.ofMillis(50), 2048,
                        Duration.ofMillis(100), Duration.ofSeconds(1)), new TransactionSink() {
                    @Override
                    public int write(Connection connection, List<CommittedTransaction> transactions) {
                        SEEN.addAll(transactions);
                        return 0;
                    }
                }, Clock.systemUTC());
        engine.capture(Set.of("erp.product", "erp.note"), false);
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == CaptureEngine.State.RUNNING);
    }

    @AfterAll
    static void stop() {
        engine.close();
        db.close();
    }

    static ElementChange awaitChange(String table, long lsnAfter) {
        await().atMost(Duration.ofSeconds(30)).until(() -> SEEN.stream().flatMap(t -> t.changes().stream())
                .anyMatch(c -> c.table().equals(table) && c.lastLsn() > lsnAfter));
        return SEEN.stream().flatMap(t -> t.changes().stream())
                .filter(c -> c.table().equals(table) && c.lastLsn() > lsnAfter).findFirst().orElseThrow();
    }

    @Test
    void anUnchangedToastedValueIsUnavailableWithoutFullIdentityAndTakenFromTheOldImageWithIt() throws Exception {
        PG.execute("INSERT INTO erp.note (id, body, n) VALUES (1,"
                + " (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 800)), 1)");
        PG.execute("INSERT INTO erp.product (id, organization_id, sku, name, description) VALUES (1, 1, 'S1', 'P',"
                + " (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 800)))");
        long mark = Math.max(awaitChange("erp.note", 0).lastLsn(), awaitChange("erp.product", 0).lastLsn());
        SEEN.clear();
        PG.execute("UPDATE erp.note SET n = 2 WHERE id = 1");
        PG.execute("UPDATE erp.product SET price = 3 WHERE id = 1");
        ElementChange note = awaitChange("erp.note", mark);
        ElementChange product = awaitChange("erp.product", mark);
        assertThat(note.kind()).isEqualTo(ElementChange.Kind.UPDATE);
        assertThat(product.kind()).isEqualTo(ElementChange.Kind.UPDATE);
        assertThat(note.newValue("body")).isSameAs(ColumnValues.UNAVAILABLE);
        assertThat(note.newValue("n")).isEqualTo(java.math.BigDecimal.valueOf(2));
        assertThat((String) product.newValue("description")).as("with REPLICA IDENTITY FULL the old row fills it")
                .hasSize(25600).isEqualTo(product.oldValue("description"));
    }

    @Test
    void laterImagesOfOneTransactionTakeUnavailableValuesFromEarlierOnes() throws Exception {
        PG.execute("BEGIN; INSERT INTO erp.note (id, body, n) VALUES (2,"
                + " (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 800)), 1);"
                + " UPDATE erp.note SET n = 5 WHERE id = 2; COMMIT;");
        await().atMost(Duration.ofSeconds(30)).until(() -> SEEN.stream().flatMap(t -> t.changes().stream())
                .anyMatch(c -> c.table().equals("erp.note") && java.math.BigDecimal.valueOf(2).equals(c.newValue("id"))));
        ElementChange created = SEEN.stream().flatMap(t -> t.changes().stream())
                .filter(c -> c.table().equals("erp.note") && java.math.BigDecimal.valueOf(2).equals(c.newValue("id")))
                .findFirst().orElseThrow();
        assertThat(created.kind()).isEqualTo(ElementChange.Kind.CREATE);
        assertThat((String) created.newValue("body")).hasSize(25600);
        assertThat(created.newValue("n")).isEqualTo(java.math.BigDecimal.valueOf(5));
    }

    /**
     * An idle ERP database on a busy server: only other databases write WAL. The heartbeat (a logical
     * decoding message on PostgreSQL 14 and later, no table of the connector's in the ERP database)
     * must make the slot confirm past that WAL, or the server keeps it all.
     */
    @Test
    void heartbeatsKeepTheSlotAdvancingOnAnIdleDatabase() throws Exception {
        OTHER.execute("CREATE TABLE IF NOT EXISTS busy (id serial PRIMARY KEY, body text);"
                + " INSERT INTO busy (body) SELECT md5(i::text) FROM generate_series(1, 20000) i");
        String written = (String) OTHER.queryValue("SELECT pg_current_wal_lsn()::text");
        await().atMost(Duration.ofSeconds(60)).until(() -> (Boolean) PG.queryValue("SELECT confirmed_flush_lsn >= '"
                + written + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'capture_it'"));
        assertThat(PG.count("startyhook.capture_offset")).isEqualTo(1);
        // nothing of the connector's is published: the heartbeat needs no table in the ERP database
        assertThat(PG.count("pg_publication_tables WHERE pubname = 'capture_it' AND schemaname = 'startyhook'"))
                .isZero();
        assertThat(SEEN.stream().flatMap(t -> t.changes().stream()).map(ElementChange::table))
                .allMatch(t -> t.startsWith("erp."));
    }
}
