package com.startyhook.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGobject;

/**
 * The values of the source's PostgreSQL columns as the connector compares and sends them (docs/rules.md,
 * "Value forms"). One converter for both readers: capture turns Debezium's values into these, condition
 * scans turn JDBC values into these, so one column gives the same JSON form either way.
 *
 * <p>The Java values: {@code null}; {@link Boolean}; {@link BigDecimal} for integers, {@code numeric}
 * (its scale kept) and {@code money}; {@link FloatNumber} for finite {@code real}/{@code double precision};
 * {@link Timestamp} for both timestamp types; {@link LocalDate}; {@link LocalTime}; {@link OffsetTime} (in
 * UTC) for {@code timetz}; {@link JsonText} for {@code json}, {@code jsonb} and {@code hstore}; a
 * {@link List} for arrays; a {@link String} for everything else (text types, uuid, enums, interval as an
 * ISO-8601 duration, bytea as Base64, NaN and infinities, and the text form of any unmapped type).
 */
public final class PgValues {
    /** The default of {@code capture.source-time-zone}. */
    public static final ZoneId DEFAULT_SOURCE_TIME_ZONE = ZoneOffset.UTC;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder()
            .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2).appendLiteral(':')
            .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 6, true)
            .toFormatter();
    private static final DateTimeFormatter TIME_WITH_OFFSET = new DateTimeFormatterBuilder()
            .append(TIME).appendOffset("+HH:MM:ss", "Z").toFormatter();
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral('T').append(TIME_WITH_OFFSET).toFormatter();

    private PgValues() {}

    /**
     * A point in time and the zone it is written in: a {@code timestamptz} in UTC, a {@code timestamp}
     * (without time zone, {@code local}) in the source time zone. Written ISO-8601 with the offset, {@code Z}
     * for a zero offset, seconds always, at most six fraction digits without trailing zeros.
     */
    public record Timestamp(Instant instant, ZoneId zone, boolean local) {
        /** The ISO-8601 form, e.g. {@code 2026-11-22T10:15:00+01:00}. */
        public String iso() {
            return TIMESTAMP.format(instant.atZone(zone));
        }

        /** The wall-clock value in its zone (for a {@code timestamp}: the column's own value). */
        public LocalDateTime localDateTime() {
            return LocalDateTime.ofInstant(instant, zone);
        }

        @Override
        public String toString() {
            return iso();
        }
    }

    /**
     * A finite {@code real} or {@code double precision}: {@code text} as PostgreSQL prints it (the shortest
     * decimal that reads back as the same float), sent as that JSON number; {@code value} is that decimal.
     */
    @JsonSerialize(using = FloatNumber.Writer.class)
    public record FloatNumber(BigDecimal value, String text) {
        @Override
        public String toString() {
            return text;
        }

        static final class Writer extends JsonSerializer<FloatNumber> {
            @Override
            public void serialize(FloatNumber f, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeNumber(f.text());
            }
        }
    }

    /** A {@code json}, {@code jsonb} or {@code hstore} value: embedded in the payload as JSON, not as a string. */
    @JsonSerialize(using = JsonText.Writer.class)
    public record JsonText(String json) {
        @Override
        public String toString() {
            return json;
        }

        static final class Writer extends JsonSerializer<JsonText> {
            @Override
            public void serialize(JsonText j, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeRawValue(j.json());
            }
        }
    }

    // ---- conversions shared by both readers ----

    /** A {@code real}: a {@link FloatNumber}, or "NaN", "Infinity", "-Infinity". */
    public static Object real(float f) {
        return Float.isFinite(f) ? floatNumber(f, true) : nonFinite(f);
    }

    /** A {@code double precision}: a {@link FloatNumber}, or "NaN", "Infinity", "-Infinity". */
    public static Object doublePrecision(double d) {
        return Double.isFinite(d) ? floatNumber(d, false) : nonFinite(d);
    }

    private static String nonFinite(double d) {
        return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
    }

    private static FloatNumber floatNumber(double d, boolean single) {
        if (d == 0) {
            boolean negative = 1 / d < 0;
            return new FloatNumber(BigDecimal.ZERO, negative ? "-0" : "0");
        }
        BigDecimal shortest = shortest(d, single).stripTrailingZeros();
        return new FloatNumber(shortest, floatText(shortest, single));
    }

    /**
     * The shortest decimal that reads back as {@code d} (as a float when {@code single}); the nearest of
     * them when there are several, as PostgreSQL's (Ryu) output picks it. Like PostgreSQL, a decimal exactly
     * halfway to a neighbouring float does not count, although a reader rounding half-even would take it back.
     */
    static BigDecimal shortest(double d, boolean single) {
        BigDecimal exact = new BigDecimal(d);
        double below = single ? Math.nextDown((float) d) : Math.nextDown(d);
        double above = single ? Math.nextUp((float) d) : Math.nextUp(d);
        BigDecimal low = Double.isFinite(below) ? exact.add(new BigDecimal(below)).divide(TWO)
                : exact.subtract(new BigDecimal(above).subtract(exact).divide(TWO));
        BigDecimal high = Double.isFinite(above) ? exact.add(new BigDecimal(above)).divide(TWO)
                : exact.add(exact.subtract(new BigDecimal(below)).divide(TWO));
        // Java's own digits are a round-trip decimal, mostly the shortest: when one digit fewer cannot
        // do, no shorter decimal can, and the search starts at their length (else from one digit)
        int javaDigits = new BigDecimal(single ? Float.toString((float) d) : Double.toString(d))
                .stripTrailingZeros().precision();
        int first = javaDigits > 1 && closest(javaDigits - 1, exact, low, high) == null ? javaDigits : 1;
        for (int digits = first; digits <= 17; digits++) {
            BigDecimal found = closest(digits, exact, low, high);
            if (found != null) {
                return found;
            }
        }
        return exact.round(MathContext.DECIMAL64);
    }

    private static final BigDecimal TWO = BigDecimal.valueOf(2);

    /** The decimal of {@code digits} significant digits nearest to {@code exact} strictly between the bounds, or null. */
    private static BigDecimal closest(int digits, BigDecimal exact, BigDecimal low, BigDecimal high) {
        BigDecimal nearest = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
        if (within(nearest, low, high)) {
            return nearest;
        }
        BigDecimal down = exact.round(new MathContext(digits, RoundingMode.DOWN));
        BigDecimal up = exact.round(new MathContext(digits, RoundingMode.UP));
        boolean downOk = within(down, low, high);
        boolean upOk = within(up, low, high);
        if (downOk && upOk) {
            return exact.subtract(down).abs().compareTo(up.subtract(exact).abs()) <= 0 ? down : up;
        }
        return downOk ? down : upOk ? up : null;
    }

    /** Strictly between the midpoints to the neighbouring floats. */
    private static boolean within(BigDecimal candidate, BigDecimal low, BigDecimal high) {
        return candidate.compareTo(low) > 0 && candidate.compareTo(high) < 0;
    }

    /**
     * PostgreSQL's text of a non-zero shortest decimal: plain for decimal exponents from -4 up to 5
     * ({@code real}) or 14 ({@code double precision}), else {@code d.ddde+XX}.
     */
    private static String floatText(BigDecimal shortest, boolean single) {
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String sign = shortest.signum() < 0 ? "-" : "";
        if (exponent >= -4 && exponent < (single ? 6 : 15)) {
            return sign + shortest.abs().toPlainString();
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        int e = Math.abs(exponent);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
    }

    /** A {@code timestamp} (without time zone) value, read in {@code sourceZone}. */
    public static Timestamp timestamp(LocalDateTime local, ZoneId sourceZone) {
        return new Timestamp(local.atZone(sourceZone).toInstant(), sourceZone, true);
    }

    /** A {@code timestamptz} value, written in UTC. */
    public static Timestamp timestamptz(Instant instant) {
        return new Timestamp(instant, ZoneOffset.UTC, false);
    }

    /** A {@code timetz} value, normalised to UTC (as Debezium sends it). */
    public static OffsetTime timetz(OffsetTime t) {
        return t.withOffsetSameInstant(ZoneOffset.UTC);
    }

    /** A {@code time} of {@code micros} since midnight; 24:00:00 stays text. */
    public static Object timeOfMicros(long micros) {
        try {
            return LocalTime.ofNanoOfDay(micros * 1000L);
        } catch (DateTimeException e) {
            return micros == 86_400_000_000L ? "24:00:00" : Long.toString(micros);
        }
    }

    /**
     * An {@code interval} as an ISO-8601 duration with every field, e.g. {@code P1Y2M3DT4H5M6.5S}: the form
     * Debezium's {@code interval.handling.mode=string} sends, built the same way from pgjdbc's fields.
     */
    public static String interval(PGInterval i) {
        BigDecimal seconds = BigDecimal.valueOf(i.getSeconds());
        if (seconds.scale() > 9) {
            seconds = seconds.setScale(9, RoundingMode.DOWN);
        }
        return "P" + i.getYears() + "Y" + i.getMonths() + "M" + i.getDays() + "DT" + i.getHours() + "H"
                + i.getMinutes() + "M" + seconds.stripTrailingZeros().toPlainString() + "S";
    }

    /** A {@code bytea} value: standard Base64 with padding. */
    public static String bytea(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** An {@code hstore} value: a JSON object of strings (or nulls), keys in order. */
    public static JsonText hstore(Map<?, ?> map) {
        Map<String, Object> sorted = new TreeMap<>();
        map.forEach((k, v) -> sorted.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        try {
            return new JsonText(MAPPER.writeValueAsString(sorted));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an hstore value cannot be written as JSON", e);
        }
    }

    /** An {@code hstore} value from Debezium's JSON text, keys in order. */
    public static JsonText hstoreJson(String json) {
        try {
            return hstore(MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {}));
        } catch (JsonProcessingException e) {
            return new JsonText(json);
        }
    }

    // ---- JSON and text forms ----

    /** The value's JSON form, ready for Jackson: number, boolean, string, embedded JSON, array or null. */
    public static Object json(Object v) {
        if (v == null || v instanceof BigDecimal || v instanceof Boolean || v instanceof String
                || v instanceof FloatNumber || v instanceof JsonText) {
            return v;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object e : list) {
                out.add(json(e));
            }
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        return text(v);
    }

    /** The value as text: the JSON form's text, without quotes (numbers in plain notation). */
    public static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof BigDecimal n) {
            return n.toPlainString();
        }
        if (v instanceof LocalTime t) {
            return TIME.format(t);
        }
        if (v instanceof OffsetTime t) {
            return TIME_WITH_OFFSET.format(t);
        }
        if (v instanceof List<?> list) {
            try {
                return MAPPER.writeValueAsString(json(list));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("an array value cannot be written as JSON", e);
            }
        }
        return v.toString();
    }

    /** Parses an ISO-8601 time as {@link #text} writes it for {@code time} values. */
    public static LocalTime parseTime(String s) {
        return LocalTime.parse(s.trim());
    }

    // ---- JDBC (condition scans) ----

    /**
     * The value of column {@code i} of {@code rs}, whose PostgreSQL type is {@code typeName}
     * ({@code ResultSetMetaData.getColumnTypeName}); a {@code timestamp} is read in {@code sourceZone}.
     * A value this cannot convert is its text, as PostgreSQL prints it.
     */
    public static Object read(ResultSet rs, int i, String typeName, ZoneId sourceZone) throws SQLException {
        try {
            return convert(rs, i, typeName, sourceZone);
        } catch (RuntimeException | SQLException e) {
            return rs.getString(i);
        }
    }

    private static Object convert(ResultSet rs, int i, String typeName, ZoneId sourceZone) throws SQLException {
        String type = typeName == null ? "" : typeName;
        if (type.startsWith("_")) {
            Array array = rs.getArray(i);
            if (array == null) {
                return null;
            }
            try {
                return list(array.getArray(), type.substring(1), sourceZone);
            } finally {
                array.free();
            }
        }
        Object v = switch (type) {
            case "bool" -> rs.getBoolean(i);
            case "int2", "int4", "int8", "oid" -> BigDecimal.valueOf(rs.getLong(i));
            case "numeric" -> numeric(rs.getString(i));
            case "money" -> money(rs.getString(i));
            case "float4" -> text(rs.getString(i), s -> real(Float.parseFloat(s)));
            case "float8" -> text(rs.getString(i), s -> doublePrecision(Double.parseDouble(s)));
            case "timestamp" -> map(rs.getObject(i, LocalDateTime.class), t -> timestamp(t, sourceZone));
            case "timestamptz" -> map(rs.getObject(i, OffsetDateTime.class), t -> timestamptz(t.toInstant()));
            case "date" -> rs.getObject(i, LocalDate.class);
            case "time" -> rs.getObject(i, LocalTime.class);
            case "timetz" -> map(rs.getObject(i, OffsetTime.class), PgValues::timetz);
            case "interval" -> map((PGInterval) rs.getObject(i), PgValues::interval);
            case "bytea" -> map(rs.getBytes(i), PgValues::bytea);
            case "json", "jsonb" -> map(rs.getString(i), JsonText::new);
            case "hstore" -> map(rs.getObject(i), o -> o instanceof Map<?, ?> m ? hstore(m) : o.toString());
            default -> rs.getString(i);
        };
        return rs.wasNull() ? null : v;
    }

    /**
     * A {@code numeric}'s text: a {@link BigDecimal} with its scale, or "NaN", "Infinity", "-Infinity" (in
     * whatever case they come); any other text that is no number stays as it is.
     */
    public static Object numeric(String text) {
        if (text == null) {
            return null;
        }
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            String t = text.trim().toLowerCase(java.util.Locale.ROOT);
            return switch (t) {
                case "nan" -> "NaN";
                case "infinity", "+infinity", "inf" -> "Infinity";
                case "-infinity", "-inf" -> "-Infinity";
                default -> text;
            };
        }
    }

    /**
     * A {@code money} text as lc_monetary writes it with a '.' decimal point ({@code $1,234.56},
     * {@code -$1.00}, {@code ($1.00)}): its number with its two decimals; text that is no number stays text.
     */
    public static Object money(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        boolean negative = t.startsWith("-") || (t.startsWith("(") && t.endsWith(")"));
        String digits = t.replaceAll("[^0-9.]", "");
        try {
            BigDecimal v = new BigDecimal(digits);
            return negative ? v.negate() : v;
        } catch (NumberFormatException e) {
            return text;
        }
    }

    private static List<Object> list(Object array, String elementType, ZoneId zone) {
        Object[] elements = (Object[]) array;
        List<Object> out = new ArrayList<>(elements.length);
        for (Object e : elements) {
            out.add(element(e, elementType, zone));
        }
        return Collections.unmodifiableList(out);
    }

    private static Object element(Object e, String type, ZoneId zone) {
        if (e == null) {
            return null;
        }
        if (e instanceof Object[] nested) {
            return list(nested, type, zone);
        }
        if (e instanceof PGobject o) {
            return element(o.getValue(), type, zone);
        }
        return switch (type) {
            case "float4" -> e instanceof Number n ? real(n.floatValue()) : real(Float.parseFloat(e.toString()));
            case "float8" -> e instanceof Number n ? doublePrecision(n.doubleValue())
                    : doublePrecision(Double.parseDouble(e.toString()));
            case "numeric" -> e instanceof BigDecimal b ? b : numeric(e.toString());
            case "timestamp" -> timestamp(((java.sql.Timestamp) e).toLocalDateTime(), zone);
            case "timestamptz" -> timestamptz(((java.sql.Timestamp) e).toInstant());
            case "date" -> ((java.sql.Date) e).toLocalDate();
            case "json", "jsonb" -> new JsonText(e.toString());
            case "bytea" -> e instanceof byte[] b ? bytea(b) : e.toString();
            case "interval" -> e instanceof PGInterval i ? interval(i) : e.toString();
            default -> e instanceof Number n ? new BigDecimal(n.toString()) : e instanceof Boolean ? e : e.toString();
        };
    }

    private interface Conversion<T> {
        Object apply(T t);
    }

    private static <T> Object map(T value, Conversion<T> conversion) {
        return value == null ? null : conversion.apply(value);
    }

    private static Object text(String value, Conversion<String> conversion) {
        return value == null ? null : conversion.apply(value);
    }
}
