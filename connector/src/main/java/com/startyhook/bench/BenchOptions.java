package com.startyhook.bench;

import com.startyhook.ConfigurationException;
import java.util.List;
import java.util.Map;

/**
 * What {@code startyhook bench} measures and where.
 *
 * @param cases     the cases to run, in order (backlog, live, mixed, history)
 * @param rows      row changes in the backlog case
 * @param warmUpRows rows the connector and the raw engine each handle before the backlog is measured
 * @param rate      transactions per second in the live and mixed cases
 * @param seconds   how long the live and mixed cases generate load
 * @param dbUrl     a given database (null: an embedded PostgreSQL is started)
 * @param dbUser    its user
 * @param dbPassword its password (from the environment, never a flag)
 * @param settings  connector configuration keys that override the benchmark's defaults
 * @param state     where the connector's schema lives (the README's layout by default)
 * @param inProcess the connector in the benchmark's JVM instead of a process of its own
 */
public record BenchOptions(List<Case> cases, int rows, int warmUpRows, int rate, int seconds, String dbUrl, String dbUser,
        String dbPassword, Map<String, String> settings, State state, boolean inProcess) {

    /**
     * SEPARATE: the connector's schema in a database of its own on the ERP's server (state.url), as
     * the README recommends; ERP: in the ERP database itself.
     */
    public enum State {
        SEPARATE, ERP;

        /** As printed in the RESULT line: {@code separate} or {@code erp}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * HISTORY: the backlog case twice, over an empty outbox and then over {@link #HISTORY_ROWS} delivered
     * actions with the outbox analyzed while nothing was open (the state after a quiet night).
     */
    public enum Case { BACKLOG, LIVE, MIXED, HISTORY }

    /** Delivered actions already in the outbox in the history case. */
    public static final int HISTORY_ROWS = 1_000_000;

    /** Keys the benchmark owns: it drops its schema and slots by these names at the end. */
    static final java.util.Set<String> OWN_KEYS = java.util.Set.of("capture.slot", "capture.publication", "rules.dir",
            "http.port", "delivery.ca-bundle");

    public static final int DEFAULT_ROWS = 100_000;
    /**
     * With 2,000 the connector was still JIT-compiling through most of its measured run (C2 ~20 % of the
     * CPU) while the raw engine, measured after it in the same JVM, ran on code already compiled.
     */
    public static final int DEFAULT_WARM_UP_ROWS = 20_000;
    public static final int DEFAULT_RATE = 1_000;
    public static final int DEFAULT_SECONDS = 30;

    public BenchOptions {
        if (cases.isEmpty()) {
            throw new ConfigurationException("--case: give backlog, live, mixed, history or all");
        }
        if (rows < 1 || rows > 10_000_000) {
            throw new ConfigurationException("--rows must be between 1 and 10000000, got " + rows);
        }
        if (warmUpRows < 0 || warmUpRows > 10_000_000) {
            throw new ConfigurationException("--warm-up-rows must be between 0 and 10000000, got " + warmUpRows);
        }
        if (rate < 1 || rate > 100_000) {
            throw new ConfigurationException("--rate must be between 1 and 100000 transactions per second, got " + rate);
        }
        if (seconds < 1 || seconds > 3600) {
            throw new ConfigurationException("--seconds must be between 1 and 3600, got " + seconds);
        }
        for (String key : settings.keySet()) {
            if (OWN_KEYS.contains(key) || (key.startsWith("db.") && !key.equals("db.pool-size"))
                    || key.startsWith("state.")) {
                throw new ConfigurationException("--set " + key + ": the benchmark sets this key itself (its own"
                        + " schema, slots, rules and receiver); use --db and --db-user for the database and --state"
                        + " separate|erp for where the connector's schema lives");
            }
        }
        if (state == null) {
            throw new ConfigurationException("--state: give separate or erp");
        }
        cases = List.copyOf(cases);
        settings = Map.copyOf(settings);
    }
}
