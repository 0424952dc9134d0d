package com.startyhook.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.EventType;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a backfilled row fires, and the --rate option. */
class BackfillTest {
    static final Entity DOCUMENT = new Entity("document", "erp", "document", List.of("id"), "organization_id", null,
            null, new Entity.Confirm("status", List.of("confirmed", "done")));

    @Test
    void aRowFiresTheFirstEventItsCurrentStateCanBe() {
        Map<String, Object> confirmed = Map.of("id", BigDecimal.ONE, "status", "done");
        Map<String, Object> draft = Map.of("id", BigDecimal.ONE, "status", "draft");
        EventTrigger confirm = new EventTrigger(Set.of(EventType.CONFIRM), null, null, List.of());
        assertThat(Backfill.detect(confirm, DOCUMENT, confirmed::get).event()).isEqualTo(EventType.CONFIRM);
        assertThat(Backfill.detect(confirm, DOCUMENT, confirmed::get).value()).isEqualTo("done");
        assertThat(Backfill.detect(confirm, DOCUMENT, draft::get)).as("a draft was never confirmed").isNull();

        EventTrigger become = new EventTrigger(Set.of(EventType.BECOME), "status", "draft", List.of());
        assertThat(Backfill.detect(become, DOCUMENT, draft::get).event()).isEqualTo(EventType.BECOME);
        assertThat(Backfill.detect(become, DOCUMENT, confirmed::get)).isNull();

        EventTrigger createOrUpdate = new EventTrigger(Set.of(EventType.UPDATE, EventType.CREATE), null, null, List.of());
        assertThat(Backfill.detect(createOrUpdate, DOCUMENT, draft::get).event()).isEqualTo(EventType.CREATE);
        EventTrigger change = new EventTrigger(Set.of(EventType.CHANGE), "status", null, List.of());
        assertThat(Backfill.detect(change, DOCUMENT, draft::get).previous()).isNull();
    }

    @Test
    void rateIsRowsPerSecond() {
        assertThat(Backfill.parseRate("500/s")).isEqualTo(500);
        assertThat(Backfill.parseRate(" 20 ")).isEqualTo(20);
        for (String bad : List.of("fast", "0/s", "-5", "1000000/s", "5/min", "")) {
            assertThatThrownBy(() -> Backfill.parseRate(bad)).as(bad).hasMessageContaining("--rate '" + bad + "'")
                    .hasMessageContaining("e.g. --rate 500/s");
        }
    }
}
