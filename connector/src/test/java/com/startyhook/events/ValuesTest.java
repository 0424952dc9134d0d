package com.startyhook.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.capture.ColumnValues;
import com.startyhook.capture.ElementChange;
import com.startyhook.rules.Criterion;
import com.startyhook.rules.Criterion.Operator;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
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
