package com.startyhook.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.store.PgValues;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/** Debezium's values become the value forms of docs/rules.md; nothing Debezium sends stops capture. */
class ColumnValuesTest {
    private static final ValueReading PARIS = new ValueReading(ZoneId.of("Europe/Paris"), Set.of("NUMERIC", "VT_PRICE"));

    private static Schema typed(SchemaBuilder b, String type) {
        return b.parameter(ColumnValues.SOURCE_TYPE, type).optional().build();
    }

    private static Object read(Schema schema, Object raw) {
        Schema row = SchemaBuilder.struct().field("c", schema).build();
        return ColumnValues.get(new Struct(row).put("c", raw), "c", PARIS);
    }

    @Test
    void floatsNumericsAndTimestamps() {
        assertThat(read(typed(SchemaBuilder.float32(), "FLOAT4"), 0.1f)).hasToString("0.1")
                .isInstanceOf(PgValues.FloatNumber.class);
        assertThat(read(typed(SchemaBuilder.string(), "NUMERIC"), "1.50")).isEqualTo(new BigDecimal("1.50"));
        assertThat(read(typed(SchemaBuilder.string(), "NUMERIC"), "NaN")).isEqualTo("NaN");
        assertThat(read(typed(SchemaBuilder.string(), "VT_PRICE"), "4.00")).as("a domain over numeric")
                .isEqualTo(new BigDecimal("4.00"));
        assertThat(read(typed(SchemaBuilder.string(), "TEXT"), "4.00")).isEqualTo("4.00");
        Schema micro = typed(SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp"), "TIMESTAMP");
        // 2026-11-22T10:15:00 as Debezium's "local" epoch micros
        long micros = java.time.LocalDateTime.parse("2026-11-22T10:15:00").toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000L;
        assertThat(PgValues.text(read(micro, micros))).isEqualTo("2026-11-22T10:15:00+01:00");
        Schema zoned = typed(SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp"), "TIMESTAMPTZ");
        assertThat(PgValues.text(read(zoned, "2026-11-22T09:15:00.5Z"))).isEqualTo("2026-11-22T09:15:00.5Z");
    }

    @Test
    void bytesArraysAndUnknownTypes() {
        byte[] bytes = "(1,x)".getBytes(StandardCharsets.UTF_8);
        assertThat(read(typed(SchemaBuilder.bytes(), "BYTEA"), ByteBuffer.wrap(bytes))).isEqualTo("KDEseCk=");
        assertThat(read(typed(SchemaBuilder.bytes(), "VT_PAIR"), ByteBuffer.wrap(bytes)))
                .as("a type Debezium does not know arrives as its text's bytes").isEqualTo("(1,x)");
        Schema reals = typed(SchemaBuilder.array(Schema.OPTIONAL_FLOAT32_SCHEMA), "_FLOAT4");
        assertThat(PgValues.text(read(reals, java.util.Arrays.asList(0.1f, null)))).isEqualTo("[0.1,null]");
        Schema numerics = typed(SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA), "_NUMERIC");
        assertThat(read(numerics, List.of("1.50", "NaN"))).isEqualTo(List.of(new BigDecimal("1.50"), "NaN"));
    }

    @Test
    void aFormTheConverterDoesNotExpectIsTextNeverAFailure() {
        Schema zoned = typed(SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp"), "TIMESTAMPTZ");
        assertThat(read(zoned, "infinity")).isEqualTo("infinity");
        Schema json = typed(SchemaBuilder.string().name("io.debezium.data.Json"), "HSTORE");
        assertThat(read(json, "not json")).hasToString("not json");
        assertThat(read(typed(SchemaBuilder.string(), "TEXT"), ColumnValues.UNAVAILABLE_PLACEHOLDER))
                .isSameAs(ColumnValues.UNAVAILABLE);
    }
}
