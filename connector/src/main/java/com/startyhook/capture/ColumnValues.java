package com.startyhook.capture;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Base64;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns the Connect values Debezium produces for PostgreSQL columns into plain Java values that
 * compare by meaning: every number a {@link BigDecimal}, every timestamp an {@link Instant}, a
 * date a {@link LocalDate}, booleans and strings as they are, binary data as Base64 text.
 * Values that Debezium could not read (an unchanged TOASTed column) become {@link #UNAVAILABLE}.
 */
public final class ColumnValues {
    /** Debezium's placeholder for an unchanged TOASTed value that is not in the WAL. */
    public static final String UNAVAILABLE_PLACEHOLDER = "__debezium_unavailable_value";
    private static final byte[] UNAVAILABLE_BYTES = UNAVAILABLE_PLACEHOLDER.getBytes(StandardCharsets.UTF_8);

    /** A value the WAL does not carry; never counts as a change. */
    public static final Object UNAVAILABLE = new Object() {
        @Override
        public String toString() {
            return "(unavailable)";
        }
    };

    private ColumnValues() {}

    /** The column's value in {@code row}; null for SQL NULL or a column the row does not have. */
    public static Object get(Struct row, String column) {
        var field = row.schema().field(column);
        if (field == null) {
            return null;
        }
        return decode(field.schema(), row.get(field));
    }

    static Object decode(Schema schema, Object raw) {
        if (raw == null) {
            return null;
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
                    return isPlaceholder(raw) ? UNAVAILABLE : OffsetDateTime.parse((String) raw).toInstant();
                case "io.debezium.time.MicroTimestamp": {
                    long micros = (Long) raw;
                    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
                }
                case "io.debezium.time.Timestamp":
                    return Instant.ofEpochMilli((Long) raw);
                case "io.debezium.time.NanoTimestamp": {
                    long nanos = (Long) raw;
                    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
                }
                case "org.apache.kafka.connect.data.Timestamp":
                    return ((java.util.Date) raw).toInstant();
                case "io.debezium.time.Date":
                    return LocalDate.ofEpochDay((Integer) raw);
                case "org.apache.kafka.connect.data.Date":
                    return LocalDate.ofEpochDay(Math.floorDiv(((java.util.Date) raw).getTime(), 86_400_000L));
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
            case FLOAT64: {
                double d = ((Number) raw).doubleValue();
                return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : Double.toString(d);
            }
            case BOOLEAN:
                return raw;
            case STRING:
                return UNAVAILABLE_PLACEHOLDER.equals(raw) ? UNAVAILABLE : raw;
            case BYTES: {
                byte[] b = bytes(raw);
                return Arrays.equals(b, UNAVAILABLE_BYTES) ? UNAVAILABLE : Base64.getEncoder().encodeToString(b);
            }
            default:
                return isPlaceholder(raw) ? UNAVAILABLE : raw.toString();
        }
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
