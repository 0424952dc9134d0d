package com.startyhook.events;

import static com.startyhook.events.TestRules.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each event type, on one running event service, against the real demo ERP schema. */
class EventsIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger WAKE_UPS = new AtomicInteger();
    static Database db;
    static EventService service;

    static final Flow PROJECT_CREATED = flow("project-created", PROJECT, on(EventType.CREATE));

    @BeforeAll
    static void start() throws Exception {
        db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "startyhook", 4);
        db.migrate();
        Rules rules = rules(PROJECT_CREATED);
        Activations activations = new Activations(db);
        for (Flow f : rules.flows().values()) {
            activations.activate(f.name(), f.contentHash(), "test");
        }
        service = new EventService(db, new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()),
                CaptureConfig.defaults().withRestartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
                WAKE_UPS::incrementAndGet, Clock.systemUTC());
        service.apply(rules, activations.all());
        service.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> service.status().state() == CaptureEngine.State.RUNNING);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void anInsertedRowFiresCreate() throws Exception {
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (1001, 1, 'P-1001', 'Roof')");
        List<JsonNode> payloads = awaitPayloads("project-created", "1001", 1);
        JsonNode p = payloads.get(0);
        assertThat(p.get("event").asText()).isEqualTo("create");
        assertThat(p.get("entity").asText()).isEqualTo("project");
        assertThat(p.get("workflow").asText()).isEqualTo("project-created");
        assertThat(p.get("context").get("organization").asText()).isEqualTo("1");
        assertThat(p.get("context").get("table").asText()).isEqualTo("erp.project");
        assertThat(p.get("createdAt").asText()).isNotBlank();
        assertThat(p.get("occurredAt").asText()).isNotBlank();
        assertThat(WAKE_UPS.get()).isPositive();
    }

    static List<JsonNode> awaitPayloads(String flow, String element, int count) throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> actions(flow, element).size() >= count);
        List<JsonNode> result = actions(flow, element);
        assertThat(result).hasSize(count);
        return result;
    }

    static List<JsonNode> actions(String flow, String element) throws Exception {
        List<JsonNode> result = new ArrayList<>();
        try (var c = PG.connect(); var ps = c.prepareStatement(
                "SELECT payload FROM startyhook.action WHERE flow_name = ? AND element_id = ? ORDER BY id")) {
            ps.setString(1, flow);
            ps.setString(2, element);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(JSON.readTree(rs.getString(1)));
                }
            }
        }
        return result;
    }
}
