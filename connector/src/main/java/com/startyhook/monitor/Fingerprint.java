package com.startyhook.monitor;

import com.startyhook.store.PgValues;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.temporal.TemporalAccessor;
import java.util.HexFormat;
import java.util.List;

/**
 * The fingerprint of one row of a condition's result: a hash of its columns' names and values,
 * compared by meaning. Numbers hash by numeric value ({@code 16.5}, {@code 16.50} and
 * {@code 16.500::numeric} are equal; so are {@code 1::int} and {@code 1.0}); a timestamptz by its instant,
 * a timestamp by its wall-clock value; arrays element by element; everything else by its text. 128 bits of SHA-256, hex: short enough to store per element,
 * far too long to collide. Not thread-safe: one instance per scan.
 */
final class Fingerprint {
    private final MessageDigest sha256;

    Fingerprint() {
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Hashes {@code values} under {@code names} (same length, in column order). */
    String of(List<String> names, List<Object> values) {
        for (int i = 0; i < names.size(); i++) {
            update(names.get(i));
            update(canonical(values.get(i)));
        }
        return HexFormat.of().formatHex(sha256.digest(), 0, 16);
    }

    private void update(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        sha256.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        sha256.update(bytes);
    }

    /** A tagged text of the value that is equal exactly when the values mean the same. */
    static String canonical(Object value) {
        if (value == null) {
            return "0";
        }
        if (value instanceof BigDecimal d) {
            return "n" + number(d);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return "n" + number(BigDecimal.valueOf(((Number) value).longValue()));
        }
        if (value instanceof BigInteger b) {
            return "n" + number(new BigDecimal(b));
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? "n" + number(BigDecimal.valueOf(d)) : "n" + d;
        }
        if (value instanceof PgValues.FloatNumber f) {
            return "n" + number(f.value());
        }
        if (value instanceof PgValues.Timestamp t) {
            // as before the shared value forms: a timestamp by its wall-clock value, a timestamptz by its instant
            return "t" + (t.local() ? t.localDateTime() : t.instant());
        }
        if (value instanceof List<?> list) {
            StringBuilder b = new StringBuilder("a");
            for (Object e : list) {
                String c = canonical(e);
                b.append(c.length()).append(':').append(c);
            }
            return b.toString();
        }
        if (value instanceof Boolean b) {
            return "b" + b;
        }
        if (value instanceof TemporalAccessor t) {
            return "t" + t; // Instant, LocalDate, LocalDateTime, LocalTime: ISO text is canonical
        }
        return "s" + value;
    }

    private static String number(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }
}
