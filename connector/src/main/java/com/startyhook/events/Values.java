package com.startyhook.events;

import com.startyhook.capture.ColumnValues;
import com.startyhook.capture.ElementChange;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Compares column values by meaning (docs/capture.md): numbers numerically ({@code 16.5} equals
 * {@code 16.50}), timestamps as instants, dates, booleans, strings. Column values come from
 * {@link ColumnValues}; rule values are String, BigDecimal, Boolean or null and are read as the
 * column's type ({@code "2026-11-22T10:15:00Z"} against a timestamp, {@code "16.5"} against a number).
 */
public final class Values {
    private Values() {}

    /** True when both are known and differ; an unavailable or unknown value never counts as a change. */
    public static boolean changed(Object before, Object after) {
        if (!known(before) || !known(after)) {
            return false;
        }
        return !same(before, after);
    }

    /** True unless the value is {@link ColumnValues#UNAVAILABLE} or {@link ElementChange#UNKNOWN}. */
    public static boolean known(Object v) {
        return v != ColumnValues.UNAVAILABLE && v != ElementChange.UNKNOWN;
    }

    /** Two column values mean the same. */
    public static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        return a.equals(b);
    }

    /** A column value equals a rule value (null rule value: the column is null). */
    public static boolean matches(Object column, Object rule) {
        if (column == null || rule == null) {
            return column == null && rule == null;
        }
        Integer c = compare(column, rule);
        return c != null && c == 0;
    }

    /**
     * Compares a non-null column value with a non-null rule value read as the column's type;
     * null when they cannot be compared (a rule value that is no number against a number column).
     */
    public static Integer compare(Object column, Object rule) {
        if (!known(column)) {
            return null;
        }
        if (column instanceof BigDecimal n) {
            BigDecimal r = decimal(rule);
            return r == null ? null : n.compareTo(r);
        }
        if (column instanceof Instant t) {
            Instant r = rule instanceof String s ? instant(s) : null;
            return r == null ? null : t.compareTo(r);
        }
        if (column instanceof LocalDate d) {
            LocalDate r = rule instanceof String s ? date(s) : null;
            return r == null ? null : d.compareTo(r);
        }
        if (column instanceof Boolean b) {
            Boolean r = rule instanceof Boolean rb ? rb : rule instanceof String s ? bool(s) : null;
            return r == null ? null : Boolean.compare(b, r);
        }
        String text = column.toString();
        if (rule instanceof BigDecimal r) {
            BigDecimal n = decimal(text);
            return n == null ? null : n.compareTo(r);
        }
        if (rule instanceof Boolean r) {
            Boolean b = bool(text);
            return b == null ? null : Boolean.compare(b, r);
        }
        return text.compareTo(rule.toString());
    }

    /** The value as text, for element ids: numbers without exponent, instants in ISO-8601. */
    public static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof BigDecimal n) {
            return n.toPlainString();
        }
        return v.toString();
    }

    /** The value as it goes into a payload's context: JSON number, boolean, string or null. */
    public static Object json(Object v) {
        if (v == null || v instanceof BigDecimal || v instanceof Boolean || v instanceof String) {
            return v;
        }
        if (!known(v)) {
            return null;
        }
        return v.toString();
    }

    static BigDecimal decimal(Object v) {
        if (v instanceof BigDecimal d) {
            return d;
        }
        if (v instanceof String s) {
            try {
                return new BigDecimal(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    static Instant instant(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // try the next form
        }
        LocalDate d = date(s);
        return d == null ? null : d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    static LocalDate date(String s) {
        try {
            return LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static Boolean bool(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "true", "t", "yes", "1" -> Boolean.TRUE;
            case "false", "f", "no", "0" -> Boolean.FALSE;
            default -> null;
        };
    }
}
