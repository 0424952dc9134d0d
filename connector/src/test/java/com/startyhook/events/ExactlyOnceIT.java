package com.startyhook.events;

import static com.startyhook.events.TestRules.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureEngine;
import com.startyhook.capture.CaptureSource;
import com.startyhook.rules.EventType;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import com.startyhook.rules.OrganizationScope;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import com.startyhook.testsupport.PostgresExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every expected action is in the outbox exactly once, across connector restarts and crashes
 * injected after the outbox commit and in the middle of a transaction's rows.
 */
class ExactlyOnceIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    static final Flow ONCE = flow("product-updated-once", PRODUCT, on(EventType.UPDATE), List.of(),
            OrganizationScope.ALL, ExecutionMode.ONCE_PER_ELEMENT);
    static final Flow EVERY = flow("product-updated-every", PRODUCT, on(EventType.UPDATE));
    static final Flow CUSTOMER_UPDATED = flow("customer-updated", CUSTOMER, on(EventType.UPDATE));
    static final Flow DOCUMENT_UPDATED = flow("document-updated", DOCUMENT, on(EventType.UPDATE));
    static Database db;
    static Rules rules;
    static EventService service;

    @BeforeAll
    static void setUp() throws Exception {
        db = PG.connectorDatabase(4);
        rules = rules(ONCE, EVERY, CUSTOMER_UPDATED, DOCUMENT_UPDATED);
        Activations activations = new Activations(db);
        for (Flow f : rules.flows().values()) {
            activations.activate(f.name(), f.contentHash(), "test");
        }
        PG.execute("INSERT INTO erp.product (id, organization_id, sku, name) VALUES (1, 1, 'S1', 'P1'), (2, 1, 'S2', 'P2')");
        PG.execute("INSERT INTO erp.customer (id, organization_id, name) SELECT g, 1, 'C' || g FROM generate_series(1, 40) g");
        PG.execute("INSERT INTO erp.document (id, organization_id, doc_type) SELECT g, 1, 'invoice' FROM generate_series(1, 5) g");
        service = startService(Duration.ofMillis(100));
    }

    static EventService startService(Duration backoff) throws Exception {
        EventService s = new EventService(db, new CaptureSource(PG.jdbcUrl(), PG.user(), PG.password()),
                CaptureConfig.defaults().withMaxBatchSize(4).withRestartBackoff(backoff, backoff), () -> { },
                Clock.systemUTC());
        s.apply(rules, new Activations(db).all());
        s.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> s.status().state() == CaptureEngine.State.RUNNING);
        return s;
    }

    @AfterAll
    static void tearDown() {
        if (service != null) {
            service.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void oncePerElementFiresOnceAcrossARestartAndEveryTimeFiresEveryTime() throws Exception {
        PG.execute("UPDATE erp.product SET price = 1 WHERE id = 1");
        PG.execute("UPDATE erp.product SET price = 2 WHERE id = 1");
        await().atMost(Duration.ofSeconds(30)).until(() -> count("product-updated-every", "1") == 2);
        service.close();
        service = startService(Duration.ofMillis(100));
        PG.execute("UPDATE erp.product SET price = 3 WHERE id = 1");
        await().atMost(Duration.ofSeconds(30)).until(() -> count("product-updated-every", "1") == 3);
        assertThat(count("product-updated-once", "1")).isEqualTo(1);
        assertThat(PG.count("startyhook.element_memory WHERE flow_name = 'product-updated-once' AND element_id = '1'"))
                .isEqualTo(1);
    }

    @Test
    void aCrashBetweenTheOutboxCommitAndTheOffsetAcknowledgementEnqueuesEachActionOnce() throws Exception {
        service.failOnce(EventService.FailurePoint.AFTER_OUTBOX_COMMIT);
        for (int i = 1; i <= 5; i++) {
            PG.execute("UPDATE erp.customer SET notes = 'crash-a-" + i + "' WHERE id BETWEEN 1 AND 10");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> count("customer-updated", "10") == 5);
        assertThat(service.status().lastError()).contains("injected failure after the outbox commit");
        await().atMost(Duration.ofSeconds(30)).until(() -> service.status().state() == CaptureEngine.State.RUNNING);
        assertThat(PG.count("startyhook.action WHERE flow_name = 'customer-updated' AND element_id::int BETWEEN 1 AND 10"))
                .isEqualTo(50);
    }

    @Test
    void aCrashInTheMiddleOfATransactionsRowsEnqueuesEachActionOnce() throws Exception {
        service.failOnce(EventService.FailurePoint.MID_TRANSACTION);
        PG.execute("UPDATE erp.customer SET notes = 'crash-b' WHERE id BETWEEN 11 AND 40");
        await().atMost(Duration.ofSeconds(30)).until(() -> service.status().lastError() != null
                && service.status().lastError().contains("middle of a transaction"));
        await().atMost(Duration.ofSeconds(30)).until(() -> PG.count("startyhook.action"
                + " WHERE flow_name = 'customer-updated' AND element_id::int BETWEEN 11 AND 40") == 30);
        PG.execute("UPDATE erp.product SET name = 'after' WHERE id = 2");
        await().atMost(Duration.ofSeconds(30)).until(() -> count("product-updated-every", "2") >= 1);
        assertThat(PG.count("startyhook.action WHERE flow_name = 'customer-updated' AND element_id::int BETWEEN 11 AND 40"))
                .isEqualTo(30);
    }

    @Test
    void reReadingCommittedTransactionsAfterLosingTheOffsetsEnqueuesNothingTwice() throws Exception {
        service.close();
        service = startService(Duration.ofSeconds(60));
        service.failOnce(EventService.FailurePoint.AFTER_OUTBOX_COMMIT);
        for (int i = 1; i <= 3; i++) {
            PG.execute("UPDATE erp.document SET total = " + i + " WHERE id BETWEEN 1 AND 5");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> service.status().state() == CaptureEngine.State.FAILED);
        service.close();
        PG.execute("DELETE FROM startyhook.capture_offset");
        service = startService(Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("document-updated", "5") == 3);
        long before = count("product-updated-every", "1");
        PG.execute("UPDATE erp.product SET name = 'barrier' WHERE id = 1"); // committed after the documents
        await().atMost(Duration.ofSeconds(30)).until(() -> count("product-updated-every", "1") == before + 1);
        assertThat(PG.count("startyhook.action WHERE flow_name = 'document-updated'")).isEqualTo(15);
    }

    static long count(String flow, String element) throws Exception {
        return PG.count("startyhook.action WHERE flow_name = '" + flow + "' AND element_id = '" + element + "'");
    }
}
