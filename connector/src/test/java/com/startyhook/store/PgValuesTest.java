package com.startyhook.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.outbox.Payload;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PGInterval;

/** The value forms of docs/rules.md: each PostgreSQL type's Java value, its text and its JSON. */
class PgValuesTest {

    @Test
    void floatsAreWrittenAsPostgresqlPrintsThemWithoutBinaryNoise() {
        assertThat(PgValues.real(0.1f)).hasToString("0.1");
        assertThat(((PgValues.FloatNumber) PgValues.real(0.1f)).value()).isEqualTo(new BigDecimal("0.1"));
        assertThat(PgValues.doublePrecision(0.1)).hasToString("0.1");
        assertThat(PgValues.doublePrecision(0.1 + 0.2)).hasToString("0.30000000000000004");
        assertThat(PgValues.real(1.5f)).hasToString("1.5");
        assertThat(PgValues.real(100000f)).hasToString("100000");
        assertThat(PgValues.real(1234567f)).hasToString("1.234567e+06");
        assertThat(PgValues.real(1e-5f)).hasToString("1e-05");
        assertThat(PgValues.real(0.0001f)).hasToString("0.0001");
        assertThat(PgValues.real(Float.MAX_VALUE)).hasToString("3.4028235e+38");
        assertThat(PgValues.real(Float.MIN_VALUE)).hasToString("1e-45");
        assertThat(PgValues.doublePrecision(123456789012345d)).hasToString("123456789012345");
        assertThat(PgValues.doublePrecision(1e15)).hasToString("1e+15");
        assertThat(PgValues.doublePrecision(-1.25e300)).hasToString("-1.25e+300");
        assertThat(PgValues.doublePrecision(Double.MAX_VALUE)).hasToString("1.7976931348623157e+308");
        assertThat(PgValues.doublePrecision(Double.MIN_VALUE)).hasToString("5e-324");
        assertThat(PgValues.doublePrecision(2.82879384806159E17)).as("Java 17's Double.toString adds digits here")
                .hasToString("2.82879384806159e+17");
        assertThat(PgValues.doublePrecision(-0.0)).hasToString("-0");
        assertThat(PgValues.real(0f)).hasToString("0");
    }

    @Test
    void nanAndInfinitiesAreStrings() {
        assertThat(PgValues.real(Float.NaN)).isEqualTo("NaN");
        assertThat(PgValues.doublePrecision(Double.POSITIVE_INFINITY)).isEqualTo("Infinity");
        assertThat(PgValues.doublePrecision(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
        assertThat(PgValues.numeric("NaN")).isEqualTo("NaN");
        assertThat(PgValues.numeric("1.50")).isEqualTo(new BigDecimal("1.50"));
        assertThat(((BigDecimal) PgValues.numeric("1.50")).scale()).isEqualTo(2);
    }

    @Test
    void timestampsCarryTheirOffset() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        assertThat(PgValues.timestamp(LocalDateTime.parse("2026-11-22T10:15:00"), paris).iso())
                .isEqualTo("2026-11-22T10:15:00+01:00");
        assertThat(PgValues.timestamp(LocalDateTime.parse("2026-07-01T10:15:00.5"), paris).iso())
                .isEqualTo("2026-07-01T10:15:00.5+02:00");
        assertThat(PgValues.timestamp(LocalDateTime.parse("2026-11-22T10:15:00.123456"), ZoneOffset.UTC).iso())
                .isEqualTo("2026-11-22T10:15:00.123456Z");
        assertThat(PgValues.timestamp(LocalDateTime.parse("2026-11-22T10:15:00"), ZoneId.of("UTC")).iso())
                .as("a zero offset is always Z").isEqualTo("2026-11-22T10:15:00Z");
        assertThat(PgValues.timestamptz(Instant.parse("2026-11-22T09:15:00Z")).iso()).isEqualTo("2026-11-22T09:15:00Z");
        assertThat(PgValues.timestamp(LocalDateTime.parse("2026-11-22T10:15:00"), paris).instant())
                .isEqualTo(Instant.parse("2026-11-22T09:15:00Z"));
    }

    @Test
    void timesIntervalsBytesAndHstore() throws Exception {
        assertThat(PgValues.text(LocalTime.parse("10:15"))).isEqualTo("10:15:00");
        assertThat(PgValues.text(PgValues.timeOfMicros(36_900_500_000L))).isEqualTo("10:15:00.5");
        assertThat(PgValues.timeOfMicros(86_400_000_000L)).isEqualTo("24:00:00");
        assertThat(PgValues.text(PgValues.timetz(OffsetTime.parse("10:15:00+01:00")))).isEqualTo("09:15:00Z");
        assertThat(PgValues.interval(new PGInterval("1 year 2 mons 3 days 04:05:06.5"))).isEqualTo("P1Y2M3DT4H5M6.5S");
        assertThat(PgValues.interval(new PGInterval("-1 days"))).isEqualTo("P0Y0M-1DT0H0M0S");
        assertThat(PgValues.bytea(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef})).isEqualTo("3q2+7w==");
        assertThat(PgValues.hstoreJson("{\"b\":\"2\",\"a\":null}").json()).isEqualTo("{\"a\":null,\"b\":\"2\"}");
    }

    @Test
    void theJsonFormsInAPayload() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("numeric", PgValues.json(new BigDecimal("1.50")));
        context.put("small", PgValues.json(new BigDecimal("0.00000001")));
        context.put("real", PgValues.json(PgValues.real(0.1f)));
        context.put("big", PgValues.json(PgValues.doublePrecision(1e300)));
        context.put("nan", PgValues.json(PgValues.real(Float.NaN)));
        context.put("ts", PgValues.json(PgValues.timestamp(LocalDateTime.parse("2026-11-22T10:15:00"),
                ZoneId.of("Europe/Paris"))));
        context.put("time", PgValues.json(LocalTime.parse("08:00")));
        context.put("jsonb", PgValues.json(new PgValues.JsonText("{\"a\": [1, 2.50]}")));
        context.put("array", PgValues.json(Arrays.asList(new BigDecimal("1"), null, PgValues.real(0.1f))));
        context.put("flag", PgValues.json(Boolean.TRUE));
        String body = new Payload("1", "change", "e", "f", context, null, null, Instant.EPOCH).toJson();
        assertThat(body).contains("\"context\":{\"numeric\":1.50,\"small\":0.00000001,\"real\":0.1,\"big\":1e+300,"
                + "\"nan\":\"NaN\",\"ts\":\"2026-11-22T10:15:00+01:00\",\"time\":\"08:00:00\","
                + "\"jsonb\":{\"a\": [1, 2.50]},\"array\":[1,null,0.1],\"flag\":true}");
    }

    @Test
    void textFormsForElementIdsAndComparisons() {
        assertThat(PgValues.text(new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(PgValues.text(List.of("a", new BigDecimal("2")))).isEqualTo("[\"a\",2]");
        assertThat(PgValues.text(null)).isEmpty();
    }
}
