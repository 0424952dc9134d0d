package com.startyhook.bench;

import java.util.Arrays;

/** p50/p90/p99/max of latencies (nearest-rank), in milliseconds with one decimal. */
record Percentiles(long count, double p50, double p90, double p99, double max) {

    static final Percentiles NONE = new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    static Percentiles ofMicros(long[] micros) {
        if (micros.length == 0) {
            return NONE;
        }
        long[] s = micros.clone();
        Arrays.sort(s);
        return new Percentiles(s.length, rank(s, 0.50), rank(s, 0.90), rank(s, 0.99), s[s.length - 1] / 1000.0);
    }

    private static double rank(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
    }

    @Override
    public String toString() {
        return count == 0 ? "no samples"
                : String.format(java.util.Locale.ROOT, "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d events)",
                        p50, p90, p99, max, count);
    }
}
