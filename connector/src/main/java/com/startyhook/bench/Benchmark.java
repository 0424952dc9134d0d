package com.startyhook.bench;

import com.startyhook.app.ConnectorSettings;
import com.startyhook.delivery.HttpCeiling;
import com.startyhook.signing.Secrets;
import com.startyhook.embedded.EmbeddedPostgres;
import com.startyhook.receiver.HttpsReceiver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code startyhook bench}: end-to-end throughput and commit-to-receipt latency of the real
 * connector (row changes committed → signed webhooks acknowledged by a local HTTPS receiver),
 * side by side with the raw Debezium engine reading the same backlog in the same run (docs/bench.md).
 * Ends with one {@code RESULT} line.
 *
 * <p>One concern, the order of one run's measured phases and its report; the parts live beside it.
 */
public final class Benchmark {
    private static final int WARM_UP_SECONDS = 5;

    private final BenchOptions options;
    private final PrintWriter out;
    private final String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    private final AtomicReference<ReceiptLog> receipts = new AtomicReference<>();
    private final PeakMemory memory = new PeakMemory();
    private final Map<String, String> result = new LinkedHashMap<>();
    private boolean problems;
    private long peakRssMb = -1;
    private double ceilingPerS = -1;

    private BenchDatabase db;
    private BenchFlows flows;
    private HttpsReceiver receiver;
    private Path work;
    private Path caBundle;
    private LoadGenerator load;
    private long rawPollMillis;
    /** The connector's settings for this run (the benchmark's keys and the user's --set). */
    private ConnectorSettings settings;

    public Benchmark(BenchOptions options, PrintWriter out) {
        this.options = options;
        this.out = out;
        for (String k : new String[] {"e2e_events_per_s", "raw_events_per_s", "ratio", "p50_ms", "p99_ms"}) {
            result.put(k, "n/a");
        }
    }

    /** Runs the cases; returns true when every expected webhook arrived exactly once, correctly signed. */
    public boolean run() throws Exception {
        EmbeddedPostgres embedded = null;
        boolean createdErp = false;
        work = Files.createTempDirectory("startyhook-bench");
        try {
            if (options.dbUrl() == null) {
                embedded = EmbeddedPostgres.start();
                db = new BenchDatabase(embedded.jdbcUrl("postgres"), embedded.user(), embedded.password());
            } else {
                db = new BenchDatabase(options.dbUrl(), options.dbUser(), options.dbPassword());
            }
            createdErp = db.ensureErpSchema();
            receiver = HttpsReceiver.start(0);
            receiver.keepRequests(false);
            receiver.onRequest(r -> {
                ReceiptLog log = receipts.get();
                if (log != null) {
                    log.accept(r);
                }
            });
            flows = new BenchFlows(receiver);
            caBundle = receiver.certificate().writeCertificatePem(work.resolve("receiver.pem"));
            load = new LoadGenerator(db.url(), db.user(), db.password());
            header(embedded != null);
            for (BenchOptions.Case c : options.cases()) {
                db.dropState();
                switch (c) {
                    case BACKLOG -> backlog();
                    case LIVE -> paced(false);
                    case MIXED -> paced(true);
                    case HISTORY -> history();
                }
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
            if (db != null) {
                try {
                    db.dropState();
                    if (createdErp && embedded == null) {
                        db.execute("DROP SCHEMA erp CASCADE");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (SQLException e) {
                    out.println("warning: could not clean up: " + e.getMessage()
                            + "; drop the slots " + ConnectorUnderTest.SLOT + " and " + BenchDatabase.RAW_SLOT + " by hand");
                }
            }
            if (embedded != null) {
                embedded.close();
            }
            deleteTree(work);
            memory.close();
        }
        result.put("peak_rss_mb", peakRssMb < 0 ? "n/a" : Long.toString(peakRssMb));
        result.put("https_ceiling_per_s", ceilingPerS < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", ceilingPerS));
        StringBuilder line = new StringBuilder("RESULT");
        result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        out.println(line);
        out.flush();
        return !problems;
    }

    // ---- cases ----------------------------------------------------------------------------

    private void backlog() throws Exception {
        int rows = options.rows();
        out.printf(Locale.ROOT, "%nbacklog: %d new projects in transactions of up to %d rows, committed while the"
                + " connector is stopped; flow %s (create, every-time); warm-up %d rows%n", rows,
                LoadGenerator.BACKLOG_TRANSACTION, LoadGenerator.CREATED, Math.min(options.warmUpRows(), rows));
        ConnectorUnderTest cut = connector("backlog", Map.of(LoadGenerator.CREATED, flows.projectCreated()));
        ReceiptLog log = new ReceiptLog(secret.getBytes(StandardCharsets.UTF_8));
        receipts.set(log);

        // warm-up: both slots exist and both readers have run once (JIT), then both stop
        RawDebeziumReader raw = db.rawReader(rawPollMillis);
        try {
            raw.start();
            Wait.until("the raw reader's slot", 120, () -> db.slotActive(BenchDatabase.RAW_SLOT));
            cut.start();
            CommitLog warm = new CommitLog();
            int warmRows = Math.min(options.warmUpRows(), rows);
            load.backlog(warmRows, warm);
            Wait.until("the warm-up webhooks", 300, () -> allArrived(warm, log));
            Wait.until("the raw reader's warm-up", 120, () -> raw.records() >= warmRows);
        } finally {
            cut.stop();
            raw.close();
        }

        long fromLsn = db.currentLsn();
        CommitLog expected = new CommitLog();
        long g0 = System.nanoTime();
        load.backlog(rows, expected);
        out.printf(Locale.ROOT, "  generated in %.1f s; slots %s and %s hold them%n", seconds(g0, System.nanoTime()),
                ConnectorUnderTest.SLOT, BenchDatabase.RAW_SLOT);

        // end to end
        memory.reset();
        long start = System.nanoTime();
        boolean all;
        PeakMemory.Peak peak;
        String loadE2e;
        double[] claimMs;
        try {
            cut.start();
            all = Wait.upTo(120 + rows / 200, () -> allArrived(expected, log));
            peak = memory.read();
            loadE2e = loadAverage();
            claimMs = cut.claimPercentilesMs();
        } finally {
            cut.stop();
        }
        int missing = expected.missing(log);
        long end = all ? expected.lastReceipt(log) : System.nanoTime();
        double e2e = (rows - missing) / seconds(start, end);
        out.printf(Locale.ROOT, "  e2e  connector start -> last webhook acknowledged: %d webhooks in %.2f s = %.0f events/s"
                + "   [load %s]%n", rows - missing, seconds(start, end), e2e, loadE2e);
        claims(claimMs, "");

        // raw engine, same changes, its own slot
        RawDebeziumReader rawAgain = db.rawReader(rawPollMillis);
        rawAgain.measure(fromLsn, rows);
        long rawStart = System.nanoTime();
        boolean rawAll;
        String loadRaw;
        try {
            rawAgain.start();
            rawAll = Wait.upTo(120 + rows / 1000, () -> rawAgain.reachedAt() != 0 || rawAgain.failure() != null);
            loadRaw = loadAverage();
        } finally {
            rawAgain.close();
        }
        long rawEnd = rawAgain.reachedAt();
        if (!rawAll || rawEnd == 0) {
            throw new IllegalStateException("the raw Debezium engine read " + rawAgain.records() + " of " + rows
                    + " records" + (rawAgain.failure() == null ? "" : ": " + rawAgain.failure()));
        }
        double rawRate = rows / seconds(rawStart, rawEnd);
        out.printf(Locale.ROOT, "  raw  Debezium engine start -> last record (no-op consumer): %d records in %.2f s"
                + " = %.0f events/s   [load %s]%n", rows, seconds(rawStart, rawEnd), rawRate, loadRaw);
        out.printf(Locale.ROOT, "  ratio e2e/raw %.3f%n", e2e / rawRate);
        correctness(log, expected.size(), missing);
        double ceiling = httpCeiling(rows, log.sampleBody());
        out.printf(Locale.ROOT, "  ceiling ratio (HTTPS alone)/raw %.3f: the best e2e/raw this machine allows with one signed"
                + " HTTPS request per event%n", ceiling / rawRate);
        memory(peak);
        result.put("e2e_events_per_s", String.format(Locale.ROOT, "%.0f", e2e));
        result.put("raw_events_per_s", String.format(Locale.ROOT, "%.0f", rawRate));
        result.put("ratio", String.format(Locale.ROOT, "%.3f", e2e / rawRate));
        ceilingPerS = ceiling;
    }

    /**
     * The backlog twice with the same connector: over an empty outbox, then over a million delivered
     * actions (and their attempts) with the outbox vacuumed and analyzed while nothing was open, as
     * autovacuum leaves it after a quiet night. A claim must cost what its LIMIT costs in both.
     */
    private void history() throws Exception {
        int rows = options.rows();
        out.printf(Locale.ROOT, "%nhistory: %d new projects committed while the connector is stopped, twice: over an"
                + " empty outbox, then over %d delivered actions with the outbox analyzed while nothing was open%n",
                rows, BenchOptions.HISTORY_ROWS);
        ConnectorUnderTest cut = connector("history", Map.of(LoadGenerator.CREATED, flows.projectCreated()));
        ReceiptLog log = new ReceiptLog(secret.getBytes(StandardCharsets.UTF_8));
        receipts.set(log);
        try {
            cut.start();
            CommitLog warm = new CommitLog();
            load.backlog(Math.min(options.warmUpRows(), rows), warm);
            Wait.until("the warm-up webhooks", 300, () -> allArrived(warm, log));
        } finally {
            cut.stop();
        }
        Burst empty = burst(cut, log, rows, "empty outbox");

        long h0 = System.nanoTime();
        String action = ConnectorUnderTest.SCHEMA + ".action";
        // Written while the connector runs, as history is: a running connector decodes its own outbox writes as they
        // happen (they share the database's WAL). Written while it is stopped, the history's 1.4 GB of WAL would be
        // decoded at its next start, 10 s and more before the first ERP change, and the case would measure that.
        long retained;
        try {
            cut.start();
            db.execute("INSERT INTO " + action + " (message_id, dedup_key, flow_name, action_index, entity, element_id,"
                    + " organization, event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status,"
                    + " attempts, delivered_at, created_at, updated_at)"
                    + " SELECT gen_random_uuid(), 'history:' || g, 'history', 0, 'project', 'h' || g, '1', 'create',"
                    + " 'event', 'https://history.invalid/hook', 'env:HISTORY', 5000, '{1000}', repeat('x', 400),"
                    + " 'delivered', 1, now() - interval '1 hour', now() - interval '2 hours', now() - interval '1 hour'"
                    + " FROM generate_series(1, " + BenchOptions.HISTORY_ROWS + ") g");
            db.execute("INSERT INTO " + ConnectorUnderTest.SCHEMA + ".attempt (action_id, attempt_no, started_at,"
                    + " duration_ms, http_status, outcome, worker) SELECT id, 1, updated_at, 5, 200, 'delivered', 'history'"
                    + " FROM " + action + " WHERE flow_name = 'history'");
            Wait.upTo(300, () -> {
                try {
                    return db.retainedMb(ConnectorUnderTest.SLOT) < 64;
                } catch (SQLException e) {
                    return false;
                }
            });
            retained = db.retainedMb(ConnectorUnderTest.SLOT);
        } finally {
            cut.stop();
        }
        db.execute("VACUUM ANALYZE " + action);
        out.printf(Locale.ROOT, "  %d delivered actions written while the connector ran (slot retains %d MB), outbox"
                + " vacuumed and analyzed with nothing open, in %.1f s%n", BenchOptions.HISTORY_ROWS, retained,
                seconds(h0, System.nanoTime()));
        Burst history = burst(cut, log, rows, "history");
        out.printf(Locale.ROOT, "  history ratio %.3f (history / empty outbox)%n", history.perSecond / empty.perSecond);
        result.put("history_ratio", String.format(Locale.ROOT, "%.3f", history.perSecond / empty.perSecond));
        result.put("burst_first_delivery_ms", Long.toString(history.firstDeliveryMs));
        result.put("history_claim_p99_ms", String.format(Locale.ROOT, "%.1f", history.claimMs[1]));
    }

    private record Burst(double perSecond, long firstDeliveryMs, double[] claimMs) {}

    /** Commits {@code rows} while the connector is stopped, starts it, and measures until the last webhook. */
    private Burst burst(ConnectorUnderTest cut, ReceiptLog log, int rows, String label) throws Exception {
        CommitLog expected = new CommitLog();
        load.backlog(rows, expected);
        long start = System.nanoTime();
        double[] claimMs;
        String loadAverage;
        try {
            cut.start();
            Wait.upTo(120 + rows / 200, () -> allArrived(expected, log));
            loadAverage = loadAverage();
            claimMs = cut.claimPercentilesMs();
        } finally {
            cut.stop();
        }
        int missing = expected.missing(log);
        long end = missing == 0 ? expected.lastReceipt(log) : System.nanoTime();
        long first = expected.firstReceipt(log);
        long firstMs = first == Long.MAX_VALUE ? -1 : (first - start) / 1_000_000;
        double rate = (rows - missing) / seconds(start, end);
        out.printf(Locale.ROOT, "  %s: connector start -> first webhook %d ms, -> last %.2f s = %.0f events/s   [load %s]%n",
                label, firstMs, seconds(start, end), rate, loadAverage);
        claims(claimMs, label + ": ");
        correctness(log, expected.size(), missing);
        return new Burst(rate, firstMs, claimMs);
    }

    private void claims(double[] ms, String label) {
        out.printf(Locale.ROOT, "  %sclaim statement p50 %.1f ms, p99 %.1f ms%n", label, ms[0], ms[1]);
        if (!result.containsKey("claim_p50_ms")) {
            result.put("claim_p50_ms", String.format(Locale.ROOT, "%.1f", ms[0]));
            result.put("claim_p99_ms", String.format(Locale.ROOT, "%.1f", ms[1]));
        }
    }

    /**
     * The connector's own sender (signing, HttpClient 5, TLS, same workers, batches and per-host limit)
     * posting {@code count} copies of a real payload to the same receiver, which verifies and logs them as
     * in the e2e run, with no database at all: what e2e could reach if capture, outbox, claims and attempt
     * rows cost nothing.
     */
    private double httpCeiling(int count, byte[] sample) throws InterruptedException {
        ReceiptLog ceilingLog = new ReceiptLog(secret.getBytes(StandardCharsets.UTF_8));
        receipts.set(ceilingLog);
        HttpCeiling ceiling = new HttpCeiling(settings.delivery(),
                new Secrets(Map.of(ConnectorUnderTest.SECRET_ENV, secret)));
        String payload = new String(sample, StandardCharsets.UTF_8);
        String url = receiver.url("/hooks/ceiling").toString();
        String secretRef = "env:" + ConnectorUnderTest.SECRET_ENV;
        ceiling.run(Math.min(count, Math.max(options.warmUpRows(), 1)), url, secretRef, payload); // its own warm-up
        HttpCeiling.Result r = ceiling.run(count, url, secretRef, payload);
        receipts.set(null);
        out.printf(Locale.ROOT, "  https alone (no database): %d signed webhooks in %.2f s = %.0f/s, %d acknowledged,"
                + " %d bad signatures   [load %s]%n", r.sent(), r.nanos() / 1e9, r.perSecond(), r.acknowledged(),
                ceilingLog.invalid(), loadAverage());
        if (r.acknowledged() != r.sent() || ceilingLog.invalid() > 0) {
            out.println("  warning: the HTTPS-only run had failures" + (r.firstError() == null ? "" : ": " + r.firstError()));
            problems = true;
        }
        return r.perSecond();
    }

    private void paced(boolean mixed) throws Exception {
        int rate = options.rate();
        int secs = options.seconds();
        Map<String, String> files = new LinkedHashMap<>();
        files.put(LoadGenerator.CREATED, flows.projectCreated());
        LoadGenerator.Pools pools = null;
        if (mixed) {
            files.put(LoadGenerator.CONFIRMED, flows.invoiceConfirmed());
            files.put(LoadGenerator.BLOCKED, flows.customerBlocked());
            files.put(LoadGenerator.STOCK, flows.stockChanged());
            pools = load.seed(rate * (secs + WARM_UP_SECONDS) / 5 + 100, 20);
            out.printf(Locale.ROOT, "%nmixed: %d transactions/s for %d s, cycling draft invoice / confirm it (two"
                    + " updates) / block a customer / stock movement / new project; flows %s (confirm), %s (become),"
                    + " %s (create), %s (condition every 1 s)%n", rate, secs, LoadGenerator.CONFIRMED,
                    LoadGenerator.BLOCKED, LoadGenerator.CREATED, LoadGenerator.STOCK);
        } else {
            out.printf(Locale.ROOT, "%nlive: %d single-row transactions/s (new projects) for %d s; flow %s%n", rate,
                    secs, LoadGenerator.CREATED);
        }
        ConnectorUnderTest cut = connector(mixed ? "mixed" : "live", files);
        ReceiptLog log = new ReceiptLog(secret.getBytes(StandardCharsets.UTF_8));
        receipts.set(log);
        cut.start();
        try {
            CommitLog warm = new CommitLog();
            load.paced(rate, Math.min(WARM_UP_SECONDS, secs), pools, warm);
            Wait.until("the warm-up webhooks", 300, () -> allArrived(warm, log));
            long conditionBefore = log.ofWorkflow(LoadGenerator.STOCK);

            memory.reset();
            CommitLog expected = new CommitLog();
            LoadGenerator.Paced done = load.paced(rate, secs, pools, expected);
            String loadDuring = loadAverage();
            Wait.upTo(120, () -> allArrived(expected, log));
            PeakMemory.Peak peak = memory.read();
            int missing = expected.missing(log);
            Percentiles p = Percentiles.ofMicros(expected.latenciesMicros(log));
            out.printf(Locale.ROOT, "  load: %d transactions in %.1f s = %.0f/s (target %d/s; generator at most %.1f ms"
                    + " behind schedule); %d must fire an event flow%n", done.transactions(), done.seconds(),
                    done.rate(), rate, done.behindMaxMicros() / 1000.0, expected.size());
            out.printf(Locale.ROOT, "  commit -> webhook acknowledged: %s   [load %s]%n", p, loadDuring);
            if (mixed) {
                out.printf(Locale.ROOT, "  condition flow %s: %d webhooks during the run (one per product whose stock"
                        + " changed between two scans)%n", LoadGenerator.STOCK,
                        log.ofWorkflow(LoadGenerator.STOCK) - conditionBefore);
            }
            correctness(log, expected.size(), missing);
            memory(peak);
            if (!mixed || "n/a".equals(result.get("p50_ms"))) {
                result.put("p50_ms", String.format(Locale.ROOT, "%.1f", p.p50()));
                result.put("p99_ms", String.format(Locale.ROOT, "%.1f", p.p99()));
            }
        } finally {
            cut.stop();
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private void header(boolean embedded) {
        settings = new ConnectorUnderTest(db.url(), db.user(), db.password(), work, caBundle, secret,
                options.settings())
                .settings();
        ConnectorSettings s = settings;
        rawPollMillis = s.capture().pollInterval().toMillis(); // the raw engine polls like the connector's capture
        out.printf(Locale.ROOT, "startyhook bench: %s; JVM max heap %d MB; %d CPUs; load average at start %s%n",
                embedded ? "embedded PostgreSQL" : "PostgreSQL at " + com.startyhook.store.Database.redactUrl(db.url()),
                PeakMemory.maxHeapMb(), Runtime.getRuntime().availableProcessors(), loadAverage());
        out.printf(Locale.ROOT, "connector: delivery.workers=%d delivery.batch-size=%d delivery.per-host-limit=%d"
                + " delivery.poll-interval=%dms capture.poll-interval=%dms capture.max-batch-size=%d db.pool-size=%d%n",
                s.delivery().workers(), s.delivery().batchSize(), s.delivery().perHostLimit(),
                s.delivery().pollInterval().toMillis(), s.capture().pollInterval().toMillis(),
                s.capture().maxBatchSize(), s.poolSize());
        out.flush();
    }

    private ConnectorUnderTest connector(String name, Map<String, String> flows) throws Exception {
        Path rules = work.resolve("rules-" + name);
        ConnectorUnderTest.writeRules(rules, flows);
        ConnectorUnderTest cut = new ConnectorUnderTest(db.url(), db.user(), db.password(), rules, caBundle, secret,
                options.settings());
        cut.activateAll();
        return cut;
    }

    private static boolean allArrived(CommitLog expected, ReceiptLog log) {
        return log.received() - log.duplicates() >= expected.size() && expected.missing(log) == 0;
    }

    private void correctness(ReceiptLog log, int expected, int missing) {
        out.printf(Locale.ROOT, "  exactly once: %d expected, %d missing, %d duplicates (same X-StartyHook-Id),"
                + " %d bad signatures%n", expected, missing, log.duplicates(), log.invalid());
        if (missing > 0 || log.duplicates() > 0 || log.invalid() > 0) {
            problems = true;
        }
    }

    private void memory(PeakMemory.Peak peak) {
        out.printf(Locale.ROOT, "  peak memory of the benchmark JVM (connector + receiver + load generator): heap %d MB"
                + " (live after GC %d MB), RSS %s MB%s%n", peak.heapMb(), peak.liveHeapMb(), peak.rssMb() < 0 ? "n/a" : Long.toString(peak.rssMb()),
                peak.rssReset() ? "" : " (RSS high-water mark since JVM start)");
        peakRssMb = Math.max(peakRssMb, peak.rssMb());
        out.flush();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the system cleans it eventually
        }
    }

}
