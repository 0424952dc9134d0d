package com.startyhook.cli;

import com.startyhook.bench.BenchOptions;
import com.startyhook.bench.Benchmark;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", header = "Measures end-to-end throughput and latency next to the raw Debezium engine.", mixinStandardHelpOptions = true,
        description = {"Measures end-to-end throughput and commit-to-receipt latency of the connector (row changes",
            "committed -> signed webhooks acknowledged by a local HTTPS receiver), run as deployed (java -Xmx256m",
            "-jar startyhook.jar run, a process of its own), side by side with the raw Debezium engine and a peer",
            "doing what Debezium Server's HTTP sink does, reading the same backlog. Uses an embedded PostgreSQL",
            "unless --db is given (then a scratch database: it writes rows to the demo ERP schema, creating it",
            "when missing, and drops its slots, publications, schema startyhook_bench and database",
            "startyhook_bench_state at the end). Ends with one RESULT line. The connector gets the heap it has",
            "in production (-Xmx256m); with --in-process it shares this JVM: java -Xmx256m -jar startyhook.jar bench"})
final class BenchCommand implements Callable<Integer> {
    enum CaseOption { BACKLOG, LIVE, MIXED, HISTORY, ALL }

    @Spec
    CommandSpec spec;

    @Option(names = "--case", paramLabel = "CASE", defaultValue = "all",
            description = "backlog, live, mixed, history or all (default: ${DEFAULT-VALUE}; all is backlog, live and"
                    + " mixed: history writes a million outbox rows first and is run on its own).")
    CaseOption benchCase;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "" + BenchOptions.DEFAULT_ROWS,
            description = "Row changes in the backlog case (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--warm-up-rows", paramLabel = "N", defaultValue = "" + BenchOptions.DEFAULT_WARM_UP_ROWS,
            description = "Rows the connector and the raw engine each handle before the backlog is measured, so that"
                    + " both run JIT-compiled code (default: ${DEFAULT-VALUE}).")
    int warmUpRows;

    @Option(names = "--rate", paramLabel = "TPS", defaultValue = "" + BenchOptions.DEFAULT_RATE,
            description = "Transactions per second in the live and mixed cases (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seconds", paramLabel = "DURATION", defaultValue = "" + BenchOptions.DEFAULT_SECONDS,
            converter = DurationOption.SecondsConverter.class,
            description = "Duration of the live and mixed load: seconds, or 30s, 2m (default: ${DEFAULT-VALUE}).")
    int seconds;

    // not the ConnectionOptions mixin on purpose: the bench drops what it creates, so it never takes a
    // database from STARTYHOOK_DB_URL, only one named here
    @Option(names = "--db", paramLabel = "URL", description = "A scratch PostgreSQL database (wal_level=logical)"
            + " instead of the embedded one.")
    String db;

    @Option(names = "--db-user", paramLabel = "USER", defaultValue = "postgres",
            description = "Its user (default: ${DEFAULT-VALUE}).")
    String dbUser;

    @Option(names = "--db-password-env", paramLabel = "NAME", defaultValue = ConnectionOptions.ENV_PASSWORD,
            description = "Environment variable holding its password (default: ${DEFAULT-VALUE}).")
    String dbPasswordEnv;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A connector configuration key for the run, e.g. --set delivery.workers=8 (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--state", paramLabel = "LAYOUT", defaultValue = "separate",
            description = "Where the connector's schema lives: separate (a database of its own on the same server,"
                    + " startyhook_bench_state, as the README recommends) or erp (inside the ERP database)"
                    + " (default: ${DEFAULT-VALUE}).")
    String state;

    @Option(names = "--in-process", description = "Runs the connector inside the benchmark's JVM instead of as java"
            + " -Xmx256m -jar startyhook.jar run in a process of its own (no cpu_us_per_event then; peak RSS is the"
            + " whole benchmark's).")
    boolean inProcess;

    /** The environment the password comes from; tests replace it. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() throws Exception {
        List<BenchOptions.Case> cases = new ArrayList<>();
        if (benchCase == CaseOption.ALL) {
            cases.addAll(List.of(BenchOptions.Case.BACKLOG, BenchOptions.Case.LIVE, BenchOptions.Case.MIXED));
        } else {
            cases.add(BenchOptions.Case.valueOf(benchCase.name()));
        }
        BenchOptions options = new BenchOptions(cases, rows, warmUpRows, rate, seconds, db, dbUser,
                db == null ? null : environment.get(dbPasswordEnv), set, layout(), inProcess);
        boolean clean = new Benchmark(options, spec.commandLine().getOut()).run();
        return clean ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    private BenchOptions.State layout() {
        return switch (state.toLowerCase(java.util.Locale.ROOT)) {
            case "separate" -> BenchOptions.State.SEPARATE;
            case "erp" -> BenchOptions.State.ERP;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--state " + state
                    + ": give separate (the connector's schema in a database of its own, the default) or erp (in the"
                    + " ERP database)");
        };
    }
}
