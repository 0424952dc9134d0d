package com.startyhook.capture;

import com.startyhook.store.PgValues;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns the Connect values Debezium produces for PostgreSQL columns into the values of
 * {@link PgValues} (docs/rules.md, "Value forms"), the same a condition scan reads over JDBC: integers
 * and numerics as {@link BigDecimal} with their scale, floats as PostgreSQL prints them, timestamps
 * with their zone, arrays as lists. Values that Debezium could not read (an unchanged TOASTed column)
 * become {@link #UNAVAILABLE}.
 */
public final class ColumnValues {
    /** Debezium's placeholder for an unchanged TOASTed value that is not in the WAL. */
    public static final String UNAVAILABLE_PLACEHOLDER = "__debezium_unavailable_value";
    /** The schema parameter that names a column's PostgreSQL type ({@code column.propagate.source.type}). */
    static final String SOURCE_TYPE = "__debezium.source.column.type";
    private static final byte[] UNAVAILABLE_BYTES = UNAVAILABLE_PLACEHOLDER.getBytes(StandardCharsets.UTF_8);

    /** A value the WAL does not carry; never counts as a change. */
    public static final Object UNAVAILABLE = new Object() {
        @Override
        public String toString() {
            return "(unavailable)";
        }
    };

    private ColumnValues() {}

    /**
     * The column's value in {@code row}, its timestamps without time zone read in {@code sourceZone};
     * null for SQL NULL or a column the row does not have.
     */
    public static Object get(Struct row, String column, ZoneId sourceZone) {
        return get(row, column, new ValueReading(sourceZone, ValueReading.NUMERIC_TYPES));
    }

    /** The column's value in {@code row} read with {@code reading}; null for SQL NULL or a column the row does not have. */
    static Object get(Struct row, String column, ValueReading reading) {
        var field = row.schema().field(column);
        if (field == null) {
            return null;
        }
        Object raw = row.get(field);
        try {
            return decode(field.schema(), raw, reading, sourceType(field.schema()));
        } catch (RuntimeException e) {
            // a form this converter does not expect must never stop capture: the value's text (docs/rules.md)
            return raw == null ? null : fallback(raw);
        }
    }

    private static Object fallback(Object raw) {
        return raw instanceof ByteBuffer || raw instanceof byte[] ? new String(bytes(raw), StandardCharsets.UTF_8)
                : raw.toString();
    }

    /** The PostgreSQL type Debezium propagates for a column ({@code column.propagate.source.type}), upper case, or "". */
    static String sourceType(Schema schema) {
        Map<String, String> parameters = schema.parameters();
        String type = parameters == null ? null : parameters.get(SOURCE_TYPE);
        return type == null ? "" : type;
    }

    /**
     * @param type the column's PostgreSQL type as Debezium propagates it (an array's element type for its
     *             elements), upper case; "" when unknown
     */
    static Object decode(Schema schema, Object raw, ValueReading reading, String type) {
        ZoneId zone = reading.zone();
        if (raw == null) {
            return null;
        }
        if (isPlaceholder(raw)) {
            return UNAVAILABLE;
        }
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case "org.apache.kafka.connect.data.Decimal":
                    return raw;
                case "io.debezium.data.VariableScaleDecimal": {
                    Struct s = (Struct) raw;
                    return new BigDecimal(new BigInteger(bytes(s.get("value"))), s.getInt32("scale"));
                }
                case "io.debezium.time.ZonedTimestamp":
                    return PgValues.timestamptz(OffsetDateTime.parse((String) raw).toInstant());
                case "io.debezium.time.MicroTimestamp": {
                    long micros = (Long) raw;
                    return local(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L, zone);
                }
                case "io.debezium.time.Timestamp": {
                    long millis = (Long) raw;
                    return local(Math.floorDiv(millis, 1000L), Math.floorMod(millis, 1000L) * 1_000_000L, zone);
                }
                case "io.debezium.time.NanoTimestamp": {
                    long nanos = (Long) raw;
                    return local(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L), zone);
                }
                case "org.apache.kafka.connect.data.Timestamp": {
                    long millis = ((java.util.Date) raw).getTime();
                    return local(Math.floorDiv(millis, 1000L), Math.floorMod(millis, 1000L) * 1_000_000L, zone);
                }
                case "io.debezium.time.Date":
                    return LocalDate.ofEpochDay((Integer) raw);
                case "org.apache.kafka.connect.data.Date":
                    return LocalDate.ofEpochDay(Math.floorDiv(((java.util.Date) raw).getTime(), 86_400_000L));
                case "io.debezium.time.MicroTime":
                    return PgValues.timeOfMicros((Long) raw);
                case "io.debezium.time.NanoTime":
                    return PgValues.timeOfMicros(((Long) raw) / 1000L);
                case "io.debezium.time.Time":
                    return PgValues.timeOfMicros(((Integer) raw) * 1000L);
                case "org.apache.kafka.connect.data.Time":
                    return PgValues.timeOfMicros(((java.util.Date) raw).getTime() * 1000L);
                case "io.debezium.time.ZonedTime":
                    return PgValues.timetz(OffsetTime.parse((String) raw));
                case "io.debezium.data.geometry.Point": {
                    Struct p = (Struct) raw;
                    return "(" + PgValues.text(PgValues.doublePrecision(p.getFloat64("x"))) + ","
                            + PgValues.text(PgValues.doublePrecision(p.getFloat64("y"))) + ")";
                }
                case "io.debezium.data.Json":
                    return "HSTORE".equals(type) ? PgValues.hstoreJson((String) raw)
                            : new PgValues.JsonText((String) raw);
                default:
                    break;
            }
        }
        switch (schema.type()) {
            case INT8:
            case INT16:
            case INT32:
            case INT64:
                return BigDecimal.valueOf(((Number) raw).longValue());
            case FLOAT32:
                return PgValues.real(((Number) raw).floatValue());
            case FLOAT64:
                return PgValues.doublePrecision(((Number) raw).doubleValue());
            case BOOLEAN:
                return raw;
            case STRING:
                // numerics arrive as their text (decimal.handling.mode=string: NaN and infinities included)
                return reading.numericTypes().contains(type) ? PgValues.numeric((String) raw) : raw;
            case BYTES: {
                byte[] b = bytes(raw);
                if (Arrays.equals(b, UNAVAILABLE_BYTES)) {
                    return UNAVAILABLE;
                }
                // a type Debezium does not know arrives as its text form's bytes (include.unknown.datatypes)
                return type.isEmpty() || type.equals("BYTEA") || type.equals("_BYTEA") || name != null
                        ? PgValues.bytea(b) : new String(b, StandardCharsets.UTF_8);
            }
            case ARRAY: {
                List<?> elements = (List<?>) raw;
                List<Object> out = new ArrayList<>(elements.size());
                for (Object e : elements) {
                    Object v = decode(schema.valueSchema(), e, reading, type.startsWith("_") ? type.substring(1) : type);
                    if (v == UNAVAILABLE) {
                        return UNAVAILABLE;
                    }
                    out.add(v);
                }
                return Collections.unmodifiableList(out);
            }
            case MAP:
                return PgValues.hstore((Map<?, ?>) raw);
            default:
                return raw.toString();
        }
    }

    private static PgValues.Timestamp local(long epochSecond, long nanos, ZoneId zone) {
        return PgValues.timestamp(LocalDateTime.ofEpochSecond(epochSecond, (int) nanos, ZoneOffset.UTC), zone);
    }

    private static boolean isPlaceholder(Object raw) {
        return UNAVAILABLE_PLACEHOLDER.equals(raw);
    }

    private static byte[] bytes(Object raw) {
        if (raw instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] b = new byte[copy.remaining()];
            copy.get(b);
            return b;
        }
        return (byte[]) raw;
    }
}
