package com.startyhook.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.testsupport.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PgValues writes floats exactly as the real PostgreSQL prints them, for random and edge values. */
class PgValuesIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void floatsAreWrittenAsPostgresqlPrintsThem() throws Exception {
        SplittableRandom random = new SplittableRandom(15);
        List<Float> reals = new ArrayList<>(List.of(0.1f, 1234567f, 100000f, 1e-5f, 0.0001f, 1e6f, 999999f,
                Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL, -0.0f, 3.4e-39f, 16777216f));
        List<Double> doubles = new ArrayList<>(List.of(0.1, 1e15, 1e14, 123456789012345.0, 1e300, 5e-324,
                Double.MAX_VALUE, 2.82879384806159E17, 0.30000000000000004, 1e-4, 1e-5, 9007199254740993.0));
        for (int i = 0; i < 3000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            double d = Double.longBitsToDouble(random.nextLong());
            if (Float.isFinite(f)) {
                reals.add(f);
            }
            if (Double.isFinite(d)) {
                doubles.add(d);
            }
            reals.add((float) (random.nextInt(2_000_000) / 1000.0));
            doubles.add(random.nextInt(2_000_000) / 1000.0);
        }
        List<String> problems = new ArrayList<>();
        try (Connection c = PG.connect();
                PreparedStatement real = c.prepareStatement("SELECT ?::real::text");
                PreparedStatement dbl = c.prepareStatement("SELECT ?::double precision::text")) {
            for (float f : reals) {
                real.setFloat(1, f);
                String printed = text(real);
                if (!printed.equals(PgValues.text(PgValues.real(f)))) {
                    problems.add("real " + f + ": PostgreSQL " + printed + ", PgValues " + PgValues.real(f));
                }
            }
            for (double d : doubles) {
                dbl.setDouble(1, d);
                String printed = text(dbl);
                if (!printed.equals(PgValues.text(PgValues.doublePrecision(d)))) {
                    problems.add("double " + d + ": PostgreSQL " + printed + ", PgValues " + PgValues.doublePrecision(d));
                }
            }
        }
        assertThat(problems).as("floats PgValues writes unlike PostgreSQL").isEmpty();
    }

    private static String text(PreparedStatement ps) throws Exception {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
