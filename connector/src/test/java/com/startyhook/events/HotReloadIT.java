package com.startyhook.events;

import static com.startyhook.events.TestRules.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureEngine;
import com.startyhook.capture.CaptureSource;
import com.startyhook.rules.EventType;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The active flow set changes at runtime; the publication and the engine follow. */
class HotReloadIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final Flow PROJECT_CREATED = flow("project-created", PROJECT, on(EventType.CREATE));
    static final Flow CUSTOMER_CREATED = flow("customer-created", CUSTOMER, on(EventType.CREATE));
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
    void flowsComeAndGoAtRuntime() throws Exception {
        Activations activations = new Activations(db);
        Rules rules = rules(PROJECT_CREATED, CUSTOMER_CREATED);
        try (EventService service = new EventService(db, new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()),
                CaptureConfig.defaults().withSlotName("hot_reload"), () -> { }, Clock.systemUTC())) {
            service.apply(rules, activations.all());
            service.start();
            assertThat(service.status().state()).as("no active event flow, no engine").isEqualTo(CaptureEngine.State.IDLE);
            assertThat(PG.count("pg_replication_slots WHERE slot_name = 'hot_reload'")).isZero();

            activations.activate("project-created", PROJECT_CREATED.contentHash(), "test");
            service.apply(rules, activations.all());
            await().atMost(Duration.ofSeconds(30)).until(() -> service.status().state() == CaptureEngine.State.RUNNING);
            PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (1, 1, 'P1', 'One')");
            await().atMost(Duration.ofSeconds(30)).until(() -> PG.count("startyhook.action") == 1);

            activations.activate("customer-created", CUSTOMER_CREATED.contentHash(), "test");
            service.apply(rules, activations.all());
            await().atMost(Duration.ofSeconds(30)).until(() -> service.status().state() == CaptureEngine.State.RUNNING);
            assertThat(PG.count("pg_publication_tables WHERE pubname = 'startyhook' AND schemaname = 'erp'")).isEqualTo(2);
            PG.execute("INSERT INTO erp.customer (id, organization_id, name) VALUES (1, 1, 'Acme')");
            PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (2, 1, 'P2', 'Two')");
            await().atMost(Duration.ofSeconds(30)).until(() -> PG.count("startyhook.action") == 3);
            assertThat(service.status().activeFlows()).containsExactlyInAnyOrder("project-created", "customer-created");

            activations.deactivate("project-created", null, "test");
            activations.deactivate("customer-created", null, "test");
            service.apply(rules, activations.all());
            assertThat(service.status().state()).isEqualTo(CaptureEngine.State.IDLE);
            assertThat(PG.count("pg_replication_slots WHERE slot_name = 'hot_reload'"))
                    .as("an idle connector holds no WAL").isZero();
        }
    }

    @Test
    void anErrorOnlyDebeziumSeesIsReportedAsTheServicesLastErrorAndRetried() throws Exception {
        Flow flow = flow("project-created-by-limited-user", PROJECT, on(EventType.CREATE));
        Activations activations = new Activations(db);
        activations.activate(flow.name(), flow.contentHash(), "test");
        // a login without the REPLICATION attribute; the publication exists already, so only the
        // engine's replication connection fails
        PG.execute("CREATE ROLE limited_user LOGIN PASSWORD 'limited'; GRANT USAGE ON SCHEMA erp TO limited_user;"
                + " GRANT SELECT ON ALL TABLES IN SCHEMA erp TO limited_user;"
                + " CREATE PUBLICATION limited_pub FOR TABLE erp.project");
        CaptureConfig config = new CaptureConfig("limited_slot", "limited_pub", Duration.ofSeconds(10),
                Duration.ofMillis(50), 100, Duration.ofMillis(200), Duration.ofSeconds(1));
        try (EventService service = new EventService(db, new CaptureSource(PG.jdbcUrl(), "limited_user", "limited"),
                config, () -> { }, Clock.systemUTC())) {
            service.apply(rules(flow), Map.of(flow.name(), activations.of(flow.name()).orElseThrow()));
            service.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> service.status().state() == CaptureEngine.State.FAILED);
            assertThat(service.status().lastError()).startsWith("capture engine failed").contains("replication");
        } finally {
            activations.deactivate(flow.name(), null, "test");
        }
    }
}
