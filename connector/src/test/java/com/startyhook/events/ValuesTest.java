package com.startyhook.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.capture.ColumnValues;
import com.startyhook.capture.ElementChange;
import com.startyhook.rules.Criterion;
import com.startyhook.rules.Criterion.Operator;
import com.startyhook.store.PgValues;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void numbersCompareNumerically() {
        assertThat(Values.same(new BigDecimal("16.5"), new BigDecimal("16.50"))).isTrue();
        assertThat(Values.matches(new BigDecimal("16.50"), new BigDecimal("16.5"))).isTrue();
        assertThat(Values.matches(new BigDecimal("16.50"), "16.5")).isTrue();
        assertThat(Values.compare(new BigDecimal("9"), new BigDecimal("10"))).isNegative();
        assertThat(Values.compare(new BigDecimal("9"), "ten")).isNull();
    }

    @Test
    void timestampsCompareAsInstantsAndDatesAsDates() {
        Instant t = Instant.parse("2026-11-22T10:15:00Z");
        assertThat(Values.matches(t, "2026-11-22T11:15:00+01:00")).isTrue();
        assertThat(Values.compare(t, "2026-11-22")).isPositive();
        assertThat(Values.matches(LocalDate.parse("2026-11-22"), "2026-11-22")).isTrue();
    }

    @Test
    void criteriaSeeTheSameValuesAsThePayload() {
        // a numeric 1.50 equals 1.5 and keeps its scale in the payload
        BigDecimal price = new BigDecimal("1.50");
        assertThat(Criteria.holds(new Criterion("price", Operator.EQ, new BigDecimal("1.5")), price)).isTrue();
        assertThat(Values.json(price)).isEqualTo(new BigDecimal("1.50"));
        // a real 0.1 is 0.1, not 0.10000000149011612
        Object real = PgValues.real(0.1f);
        assertThat(Criteria.holds(new Criterion("ratio", Operator.EQ, new BigDecimal("0.1")), real)).isTrue();
        assertThat(Criteria.holds(new Criterion("ratio", Operator.GT, new BigDecimal("0.1")), real)).isFalse();
        assertThat(Criteria.holds(new Criterion("ratio", Operator.IN, List.of(new BigDecimal("0.10"))), real)).isTrue();
        assertThat(Values.same(real, new BigDecimal("0.1"))).isTrue();
        assertThat(Values.changed(PgValues.real(0.1f), PgValues.real(0.1f))).isFalse();
        // a timestamp without time zone in the source zone: a rule value with an offset is an instant,
        // without one it is read in the source zone
        Object at = PgValues.timestamp(LocalDateTime.parse("2026-11-22T10:15:00"), ZoneId.of("Europe/Paris"));
        assertThat(Criteria.holds(new Criterion("due", Operator.EQ, "2026-11-22T09:15:00Z"), at)).isTrue();
        assertThat(Criteria.holds(new Criterion("due", Operator.EQ, "2026-11-22T10:15:00"), at)).isTrue();
        assertThat(Criteria.holds(new Criterion("due", Operator.LT, "2026-11-22T10:15:00.000001+01:00"), at)).isTrue();
        assertThat(Values.json(at)).isEqualTo("2026-11-22T10:15:00+01:00");
        // times, NaN, json and arrays
        assertThat(Criteria.holds(new Criterion("opens", Operator.GTE, "08:00"), LocalTime.parse("08:00"))).isTrue();
        assertThat(Criteria.holds(new Criterion("ratio", Operator.EQ, "NaN"), PgValues.real(Float.NaN))).isTrue();
        assertThat(Criteria.holds(new Criterion("ratio", Operator.GT, new BigDecimal("1")), PgValues.real(Float.NaN)))
                .as("NaN is no number to compare").isFalse();
        assertThat(Values.matches(List.of(new BigDecimal("1"), "a"), "[1,\"a\"]")).isTrue();
    }

    @Test
    void booleansAndStrings() {
        assertThat(Values.matches(Boolean.TRUE, Boolean.TRUE)).isTrue();
        assertThat(Values.matches(Boolean.TRUE, "true")).isTrue();
        assertThat(Values.matches("paid", "paid")).isTrue();
        assertThat(Values.matches("paid", "Paid")).isFalse();
        assertThat(Values.matches(null, null)).isTrue();
        assertThat(Values.matches("x", null)).isFalse();
    }

    @Test
    void unavailableAndUnknownValuesNeverCountAsAChange() {
        assertThat(Values.changed("a", ColumnValues.UNAVAILABLE)).isFalse();
        assertThat(Values.changed(ElementChange.UNKNOWN, "b")).isFalse();
        assertThat(Values.changed("a", "b")).isTrue();
        assertThat(Values.changed(null, "b")).isTrue();
        assertThat(Values.changed(new BigDecimal("1.0"), new BigDecimal("1"))).isFalse();
    }

    @Test
    void criteriaOperators() {
        BigDecimal price = new BigDecimal("12.50");
        assertThat(Criteria.holds(new Criterion("price", Operator.GT, new BigDecimal("10")), price)).isTrue();
        assertThat(Criteria.holds(new Criterion("price", Operator.LTE, new BigDecimal("12.5")), price)).isTrue();
        assertThat(Criteria.holds(new Criterion("price", Operator.LT, new BigDecimal("12.5")), price)).isFalse();
        assertThat(Criteria.holds(new Criterion("price", Operator.GT, new BigDecimal("10")), null)).isFalse();
        assertThat(Criteria.holds(new Criterion("status", Operator.IN, List.of("paid", "done")), "done")).isTrue();
        assertThat(Criteria.holds(new Criterion("status", Operator.NOT_IN, List.of("paid", "done")), "done")).isFalse();
        assertThat(Criteria.holds(new Criterion("status", Operator.NE, "draft"), "done")).isTrue();
        assertThat(Criteria.holds(new Criterion("email", Operator.IS_NULL, null), null)).isTrue();
        assertThat(Criteria.holds(new Criterion("email", Operator.NOT_NULL, null), "a@b")).isTrue();
        assertThat(Criteria.holds(new Criterion("notes", Operator.NOT_NULL, null), ColumnValues.UNAVAILABLE))
                .as("an unavailable value satisfies nothing").isFalse();
    }
}
