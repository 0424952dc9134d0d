package com.startyhook.events;

import com.startyhook.capture.ColumnValues;
import com.startyhook.capture.ElementChange;
import com.startyhook.store.PgValues;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Compares column values by meaning (docs/capture.md, docs/rules.md "Value forms"): numbers numerically
 * ({@code 16.5} equals {@code 16.50}; a {@code real} 0.1 equals 0.1), timestamps as instants, dates,
 * times, booleans, strings; JSON, arrays and everything else by their text. Column values come from
 * {@link ColumnValues} (values of {@link PgValues}); rule values are String, BigDecimal, Boolean or null
 * and are read as the column's type ({@code "2026-11-22T10:15:00Z"} against a timestamp, {@code "16.5"}
 * against a number); a rule timestamp without offset is read in the column's zone (the source time zone
 * for a {@code timestamp}, UTC for a {@code timestamptz}).
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
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) {
            return x.compareTo(y) == 0;
        }
        if (a instanceof PgValues.Timestamp s && b instanceof PgValues.Timestamp t) {
            return s.instant().equals(t.instant());
        }
        if (a instanceof OffsetTime s && b instanceof OffsetTime t) {
            return s.isEqual(t);
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
        BigDecimal n = number(column);
        if (n != null) {
            BigDecimal r = decimal(rule);
            return r == null ? null : n.compareTo(r);
        }
        if (column instanceof PgValues.Timestamp t) {
            Instant r = rule instanceof String s ? instant(s, t.zone()) : null;
            return r == null ? null : t.instant().compareTo(r);
        }
        if (column instanceof Instant t) {
            Instant r = rule instanceof String s ? instant(s, ZoneOffset.UTC) : null;
            return r == null ? null : t.compareTo(r);
        }
        if (column instanceof LocalTime t) {
            LocalTime r = rule instanceof String s ? time(s) : null;
            return r == null ? null : t.compareTo(r);
        }
        if (column instanceof OffsetTime t) {
            OffsetTime r = rule instanceof String s ? offsetTime(s) : null;
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
        String text = text(column);
        if (rule instanceof BigDecimal r) {
            BigDecimal t = decimal(text);
            return t == null ? null : t.compareTo(r);
        }
        if (rule instanceof Boolean r) {
            Boolean b = bool(text);
            return b == null ? null : Boolean.compare(b, r);
        }
        return text.compareTo(rule.toString());
    }

    /** The value as text, for element ids: numbers without exponent, timestamps in ISO-8601. */
    public static String text(Object v) {
        return PgValues.text(v);
    }

    /** The value as it goes into a payload's context: its JSON form (docs/rules.md, "Value forms"). */
    public static Object json(Object v) {
        if (!known(v)) {
            return null;
        }
        return PgValues.json(v);
    }

    /** The numeric value of an integer, numeric or finite float column value; null for any other. */
    private static BigDecimal number(Object v) {
        if (v instanceof BigDecimal d) {
            return d;
        }
        if (v instanceof PgValues.FloatNumber f) {
            return f.value();
        }
        return null;
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

    /** A rule's timestamp; without offset it is read in {@code zone}. */
    static Instant instant(String s, ZoneId zone) {
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(s).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            // try the next form
        }
        LocalDate d = date(s);
        return d == null ? null : d.atStartOfDay(zone).toInstant();
    }

    static LocalTime time(String s) {
        try {
            return LocalTime.parse(s.trim());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static OffsetTime offsetTime(String s) {
        try {
            return OffsetTime.parse(s.trim());
        } catch (DateTimeParseException e) {
            return null;
        }
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
