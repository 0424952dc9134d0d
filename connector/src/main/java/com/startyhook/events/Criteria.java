package com.startyhook.events;

import com.startyhook.capture.ElementChange;
import com.startyhook.rules.Criterion;
import java.util.Collection;
import java.util.List;

/** A flow's criteria on the element's row after the transaction (before it, for a delete); all must hold. */
final class Criteria {
    private Criteria() {}

    static boolean allHold(List<Criterion> criteria, ElementChange change) {
        return allHold(criteria, change::currentValue, java.util.Set.of());
    }

    /** All criteria hold on the element's current values by column. */
    static boolean allHold(List<Criterion> criteria, java.util.function.Function<String, Object> row) {
        return allHold(criteria, row, java.util.Set.of());
    }

    /**
     * @param value    the value of a property: a column of the row, or a related value
     * @param skipping properties not checked (related values not read yet)
     */
    static boolean allHold(List<Criterion> criteria, java.util.function.Function<String, Object> value,
            java.util.Set<String> skipping) {
        for (Criterion c : criteria) {
            if (!skipping.contains(c.property()) && !holds(c, value.apply(c.property()))) {
                return false;
            }
        }
        return true;
    }

    static boolean holds(Criterion c, Object v) {
        if (!Values.known(v)) {
            return false;
        }
        return switch (c.operator()) {
            case IS_NULL -> v == null;
            case NOT_NULL -> v != null;
            case EQ -> Values.matches(v, c.value());
            case NE -> !Values.matches(v, c.value());
            case GT -> ordered(v, c.value(), 1, false);
            case GTE -> ordered(v, c.value(), 1, true);
            case LT -> ordered(v, c.value(), -1, false);
            case LTE -> ordered(v, c.value(), -1, true);
            case IN -> anyMatches(v, c.value());
            case NOT_IN -> !anyMatches(v, c.value());
        };
    }

    private static boolean ordered(Object v, Object rule, int sign, boolean orEqual) {
        if (v == null || rule == null) {
            return false;
        }
        Integer cmp = Values.compare(v, rule);
        if (cmp == null) {
            return false;
        }
        return Integer.signum(cmp) == sign || (orEqual && cmp == 0);
    }

    private static boolean anyMatches(Object v, Object rule) {
        Collection<?> values = rule instanceof Collection<?> list ? list : java.util.Collections.singletonList(rule);
        for (Object r : values) {
            if (Values.matches(v, r)) {
                return true;
            }
        }
        return false;
    }
}
