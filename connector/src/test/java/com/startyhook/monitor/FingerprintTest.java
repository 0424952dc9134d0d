package com.startyhook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.store.PgValues;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FingerprintTest {
    private static String fp(Object... values) {
        List<String> names = Arrays.stream(values).map(v -> "c").toList();
        return new Fingerprint().of(names, Arrays.asList(values));
    }

    @Test
    void numbersCompareByValueNotByText() {
        assertThat(fp(new BigDecimal("16.5"))).isEqualTo(fp(new BigDecimal("16.50")));
        assertThat(fp(new BigDecimal("16.500"))).isEqualTo(fp(16.5d));
        assertThat(fp(1L)).isEqualTo(fp(new BigDecimal("1.0")));
        assertThat(fp(new BigDecimal("0.000"))).isEqualTo(fp(0L));
        assertThat(fp(new BigDecimal("16.5"))).isNotEqualTo(fp(new BigDecimal("16.51")));
        assertThat(fp(new BigDecimal("100"))).isNotEqualTo(fp(new BigDecimal("1E+1")));
    }

    @Test
    void theSharedValueFormsKeepTheFingerprintsOfTimestampsAndDoubles() {
        // rows stored before the value forms keep their fingerprints: no spurious firing after an upgrade
        java.time.LocalDateTime local = java.time.LocalDateTime.parse("2026-11-22T10:15:00.5");
        assertThat(fp(PgValues.timestamp(local, java.time.ZoneId.of("Europe/Paris")))).isEqualTo(fp(local));
        Instant instant = Instant.parse("2026-11-22T09:15:00Z");
        assertThat(fp(PgValues.timestamptz(instant))).isEqualTo(fp(instant));
        assertThat(fp(PgValues.doublePrecision(16.25))).isEqualTo(fp(16.25d));
        assertThat(fp(PgValues.real(0.1f))).as("a real 0.1 is 0.1").isEqualTo(fp(new BigDecimal("0.1")));
        assertThat(fp(List.of(new BigDecimal("1"), "a"))).isNotEqualTo(fp(List.of("1", "a")))
                .isEqualTo(fp(List.of(new BigDecimal("1.0"), "a")));
    }

    @Test
    void nullEmptyZeroAndTextAreAllDifferent() {
        assertThat(List.of(fp((Object) null), fp(""), fp(0L), fp("0"), fp(false), fp("false")))
                .doesNotHaveDuplicates();
    }

    @Test
    void columnBoundariesAndNamesCount() {
        assertThat(fp("ab", "c")).isNotEqualTo(fp("a", "bc"));
        assertThat(new Fingerprint().of(List.of("stock"), List.of(5L)))
                .isNotEqualTo(new Fingerprint().of(List.of("level"), List.of(5L)));
    }

    @Test
    void timestampsCompareAsInstants() {
        assertThat(fp(Instant.parse("2026-11-22T10:15:00Z"))).isEqualTo(fp(Instant.parse("2026-11-22T10:15:00.000Z")));
        assertThat(fp(Instant.parse("2026-11-22T10:15:00Z"))).isNotEqualTo(fp(Instant.parse("2026-11-22T10:15:01Z")));
    }

    @Test
    void oneInstanceHashesManyRowsIndependently() {
        Fingerprint f = new Fingerprint();
        String first = f.of(List.of("id", "stock"), List.of(1L, new BigDecimal("2")));
        f.of(List.of("id"), List.of(99L));
        assertThat(f.of(List.of("id", "stock"), List.of(1L, new BigDecimal("2.00")))).isEqualTo(first).hasSize(32);
    }
}
