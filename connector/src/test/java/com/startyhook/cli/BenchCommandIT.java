package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.config.ConfigCatalogue;
import com.startyhook.testsupport.PostgresExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * A correctness check of {@code startyhook bench} on a tiny backlog: the connector runs in a process
 * of its own, every webhook arrives exactly once, correctly signed, with the instant and with the
 * 20 ms receiver, the peer (Debezium Server's HTTP sink) posts every record correctly signed, the
 * RESULT line has every key, well-formed, and nothing is left in a given database.
 * No timing is asserted: the benchmark measures, tests don't.
 */
class BenchCommandIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();

    static final Pattern RESULT = Pattern.compile("(?m)^RESULT e2e_events_per_s=(\\d+) raw_events_per_s=(\\d+)"
            + " ratio=(\\d+\\.\\d{3}) p50_ms=(n/a|\\d+\\.\\d) p99_ms=(n/a|\\d+\\.\\d)"
            + " claim_p50_ms=(n/a|\\d+\\.\\d) claim_p99_ms=(n/a|\\d+\\.\\d) peak_rss_mb=(n/a|\\d+)"
            + " https_ceiling_per_s=(\\d+) ceiling_ratio=(\\d+\\.\\d{3}) peer_events_per_s=(\\d+)"
            + " peer_ratio=(\\d+\\.\\d{3}) peer_ratio_20ms=(\\d+\\.\\d{3}) cpu_us_per_event=(n/a|\\d+)"
            + " erp_db_cpu_us_per_event=(n/a|\\d+) start_to_first_delivery_ms=(\\d+) state=(erp|separate)$");

    @Test
    void aTinyBacklogArrivesExactlyOnceAndLeavesNothingBehind() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        ((BenchCommand) cl.getSubcommands().get("bench").getCommand()).environment =
                Map.of("BENCH_IT_PASSWORD", PG.password());

        // the default layout (the connector's schema in a database of its own) where this build has the key
        // state.url; else --state erp (the connector's schema in the ERP database)
        String layout = ConfigCatalogue.get("state.url") != null ? "separate" : "erp";
        int code = cl.execute("bench", "--case", "backlog", "--rows", "2000", "--db", PG.jdbcUrl(),
                "--db-user", PG.user(), "--db-password-env", "BENCH_IT_PASSWORD", "--state", layout);

        String text = out.toString();
        assertThat(code).as(text).isZero();
        assertThat(text).contains("exactly once: 2000 expected, 0 missing, 0 duplicates (same X-StartyHook-Id),"
                + " 0 bad signatures");
        Matcher m = RESULT.matcher(text);
        assertThat(m.find()).as("a well-formed RESULT line in:%n%s", text).isTrue();
        assertThat(Long.parseLong(m.group(1))).isPositive();
        assertThat(Long.parseLong(m.group(2))).isPositive();
        assertThat(Long.parseLong(m.group(9))).as("the HTTPS-only ceiling ran").isPositive();
        assertThat(m.group(6)).as("the claim statement was timed").isNotEqualTo("n/a");
        assertThat(text).contains("https alone (no database): 2000 signed webhooks").contains("2000 acknowledged, 0 bad signatures");
        // the connector ran as java -Xmx256m -jar startyhook.jar run, a process of its own
        assertThat(text).contains("-jar ").contains("startyhook.jar run, a process of its own");
        assertThat(Double.parseDouble(m.group(10))).as("ceiling_ratio").isPositive();
        // the peer (Debezium Server's HTTP sink) posted every record of the backlog, correctly signed
        assertThat(text).containsPattern("peer Debezium Server's HTTP sink .* 2000 in ");
        assertThat(text).doesNotContain("the peer's posts had");
        assertThat(Long.parseLong(m.group(11))).as("peer_events_per_s").isPositive();
        assertThat(Double.parseDouble(m.group(12))).as("peer_ratio").isPositive();
        assertThat(Double.parseDouble(m.group(13))).as("peer_ratio_20ms").isPositive();
        // the 20 ms receiver: every webhook of the second backlog arrived too
        assertThat(text.split("exactly once: 2000 expected, 0 missing, 0 duplicates", -1)).hasSize(3);
        if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self"))) {
            assertThat(m.group(14)).as("cpu_us_per_event of the connector process").isNotEqualTo("n/a");
            assertThat(Long.parseLong(m.group(14))).isPositive();
            assertThat(m.group(8)).as("peak RSS of the connector process").isNotEqualTo("n/a");
        }
        assertThat(Long.parseLong(m.group(16))).as("start_to_first_delivery_ms").isPositive();
        assertThat(m.group(17)).isEqualTo(layout);
        assertThat(text).contains(layout.equals("erp") ? "its schema in the ERP database (--state erp)"
                : "its schema in the database startyhook_bench_state on the same server (--state separate)");
        assertThat(text.strip()).endsWith(m.group());
        assertThat(PG.count("erp.project")).isEqualTo(2000 + 2000 + 2000); // warm-up + backlog + 20 ms backlog
        assertThat(PG.count("pg_replication_slots WHERE database = current_database()")).isZero();
        assertThat(PG.count("pg_publication")).isZero();
        assertThat(PG.count("information_schema.schemata WHERE schema_name = 'startyhook_bench'")).isZero();
        assertThat(PG.count("pg_database WHERE datname = 'startyhook_bench_state'")).isZero();
    }
}
