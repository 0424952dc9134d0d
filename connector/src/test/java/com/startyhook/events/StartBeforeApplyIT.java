package com.startyhook.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureSource;
import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A new leader whose first apply of the flows failed (say, the database refused a connection) must
 * not read "no flows" as "nothing to capture": that would drop the slot and its offsets, and lose
 * every change since the previous leader's last offset.
 */
class StartBeforeApplyIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static Database db;

    @BeforeAll
    static void setUp() {
        db = PG.connectorDatabase(4);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void startingBeforeAnyFlowsWereAppliedKeepsTheSlotAndTheOffsets() throws Exception {
        PG.execute("SELECT pg_create_logical_replication_slot('handover', 'pgoutput')");
        PG.execute("INSERT INTO startyhook.capture_offset (offset_key, offset_value) VALUES ('k', 'v')");
        EventService events = new EventService(db, new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()),
                CaptureConfig.defaults().withSlotName("handover"), () -> { }, Clock.systemUTC());
        try {
            events.start();
            // several seconds in which a wrongly idle engine would have dropped slot and offsets
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> true);
            assertThat(PG.count("pg_replication_slots WHERE slot_name = 'handover'")).isEqualTo(1);
            assertThat(PG.count("startyhook.capture_offset")).isEqualTo(1);
        } finally {
            events.close();
        }
    }
}
