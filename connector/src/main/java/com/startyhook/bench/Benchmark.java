package com.startyhook.bench;

import com.startyhook.ConfigurationException;
import com.startyhook.app.ConnectorSettings;
import com.startyhook.config.ConfigCatalogue;
import com.startyhook.delivery.HttpCeiling;
import com.startyhook.signing.Secrets;
import com.startyhook.embedded.EmbeddedPostgres;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.receiver.SelfSignedCertificate;
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
    /** How long the peer posts to the 20 ms receiver: one record after the other, it needs 20 ms each. */
    static final int PEER_SLOW_WINDOW_SECONDS = 30;
    /** The delay of the slow receiver, a typical hosted endpoint. */
    static final int SLOW_RECEIVER_MS = 20;
    /** Threads of the receiver: enough that the 20 ms receiver holds every request the connector has open. */
    static final int RECEIVER_THREADS = 256;

    private final BenchOptions options;
    private final PrintWriter out;
    private final String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    private final AtomicReference<ReceiptLog> receipts = new AtomicReference<>();
    /** The peer's posts (paths under /peer/) are logged apart from the connector's webhooks. */
    private final AtomicReference<ReceiptLog> peerReceipts = new AtomicReference<>();
    private final PeakMemory memory = new PeakMemory();
    private final Map<String, String> result = new LinkedHashMap<>();
    /** The keys added with the peer and the connector's own process, printed after the older ones. */
    private final Map<String, String> added = new LinkedHashMap<>();
    private boolean problems;
    private long peakRssMb = -1;
    private double ceilingPerS = -1;

    private BenchDatabase db;
    /** The database of the connector's schema with --state separate; null with --state erp. */
    private BenchDatabase stateDb;
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
        for (String k : new String[] {"ceiling_ratio", "peer_events_per_s", "peer_ratio", "peer_ratio_20ms",
            "cpu_us_per_event", "erp_db_cpu_us_per_event", "start_to_first_delivery_ms"}) {
            added.put(k, "n/a");
        }
        added.put("state", options.state().label());
    }

    /** Runs the cases; returns true when every expected webhook arrived exactly once, correctly signed. */
    public boolean run() throws Exception {
        if (options.state() == BenchOptions.State.SEPARATE && ConfigCatalogue.get("state.url") == null) {
            throw new ConfigurationException("--state separate puts the connector's schema in a database of its own"
                    + " through the configuration key state.url, which this build of the connector does not know yet;"
                    + " measure with the state in the ERP database: --state erp");
        }
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
            if (options.state() == BenchOptions.State.SEPARATE) {
                stateDb = db.createStateDatabase();
            }
            receiver = HttpsReceiver.start(0, SelfSignedCertificate.generate(), RECEIVER_THREADS);
            receiver.keepRequests(false);
            receiver.onRequest(r -> {
                ReceiptLog log = (r.path().startsWith("/peer/") ? peerReceipts : receipts).get();
                if (log != null) {
                    log.accept(r);
                }
            });
            flows = new BenchFlows(receiver);
            caBundle = receiver.certificate().writeCertificatePem(work.resolve("receiver.pem"));
            load = new LoadGenerator(db.url(), db.user(), db.password());
            header(embedded != null);
            for (BenchOptions.Case c : options.cases()) {
                dropState();
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
                    dropState();
                    if (stateDb != null) {
                        db.dropStateDatabase();
                    }
                    if (createdErp && embedded == null) {
                        db.execute("DROP SCHEMA erp CASCADE");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (SQLException e) {
                    out.println("warning: could not clean up: " + e.getMessage()
                            + "; drop the slots " + ConnectorUnderTest.SLOT + ", " + BenchDatabase.RAW_SLOT + " and "
                            + BenchDatabase.PEER_SLOT + " (and the database " + BenchDatabase.STATE_DATABASE
                            + " with --state separate) by hand");
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
        result.putAll(added);
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
                + " connector is stopped; flow %s (create, every-time); warm-up %d rows; then the same with a"
                + " receiver that answers after %d ms%n", rows, LoadGenerator.BACKLOG_TRANSACTION,
                LoadGenerator.CREATED, Math.min(options.warmUpRows(), rows), SLOW_RECEIVER_MS);
        ConnectorUnderTest cut = connector("backlog", Map.of(LoadGenerator.CREATED, flows.projectCreated()));
        ReceiptLog log = new ReceiptLog(secret.getBytes(StandardCharsets.UTF_8));
        receipts.set(log);
        Files.deleteIfExists(peerOffsets());

        // warm-up: the three slots exist and every reader has run once (JIT of this JVM), then all stop
        RawDebeziumReader raw = db.rawReader(rawPollMillis);
        HttpSinkPeer peer = peer();
        ReceiptLog peerWarm = ReceiptLog.ofPeer(secret.getBytes(StandardCharsets.UTF_8));
        peerReceipts.set(peerWarm);
        try {
            raw.start();
            peer.start();
            Wait.until("the raw reader's slot", 120, () -> db.slotActive(BenchDatabase.RAW_SLOT));
            Wait.until("the peer's slot", 120, () -> db.slotActive(BenchDatabase.PEER_SLOT) || peer.failure() != null);
            cut.start();
            CommitLog warm = new CommitLog();
            int warmRows = Math.min(options.warmUpRows(), rows);
            load.backlog(warmRows, warm);
            Wait.until("the warm-up webhooks", 300, () -> allArrived(warm, log));
            Wait.until("the raw reader's warm-up", 120, () -> raw.records() >= warmRows);
            Wait.until("the peer's warm-up", 300 + warmRows / 100,
                    () -> allArrived(warm, peerWarm) || peer.failure() != null);
        } finally {
            cut.stop();
            raw.close();
            peer.close();
        }
        if (peer.failure() != null) {
            throw new IllegalStateException("the peer (Debezium Server's HTTP sink) failed: " + peer.failure());
        }

        long fromLsn = db.currentLsn();
        CommitLog expected = new CommitLog();
        long g0 = System.nanoTime();
        load.backlog(rows, expected);
        out.printf(Locale.ROOT, "  generated in %.1f s; slots %s, %s and %s hold them%n", seconds(g0, System.nanoTime()),
                ConnectorUnderTest.SLOT, BenchDatabase.RAW_SLOT, BenchDatabase.PEER_SLOT);

        // end to end, the connector in its own process (unless --in-process)
        Run e2eRun = connectorRun(cut, log, expected, 120 + rows / 200);
        double e2e = e2eRun.perSecond();
        out.printf(Locale.ROOT, "  e2e  connector start -> last webhook acknowledged: %d webhooks in %.2f s = %.0f events/s"
                + "   [load %s]%n", e2eRun.delivered(), e2eRun.seconds(), e2e, e2eRun.load());
        out.printf(Locale.ROOT, "  e2e  connector start -> first webhook %s ms; %s%n", e2eRun.firstMs(), cpuLine(e2eRun));
        claims(e2eRun.claimMs(), "");

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

        // the peer, same changes, its own slot, the same receiver
        PeerRun peerRun = peerRun(expected, 300 + rows / 100);
        out.printf(Locale.ROOT, "  peer Debezium Server's HTTP sink (one synchronous signed POST per record) start -> last"
                + " POST acknowledged: %d in %.2f s = %.0f events/s   [load %s]%n", peerRun.delivered(),
                peerRun.seconds(), peerRun.perSecond(), peerRun.load());
        if (peerRun.delivered() < expected.size()) {
            out.printf(Locale.ROOT, "  warning: the peer delivered %d of %d%n", peerRun.delivered(), expected.size());
            problems = true;
        }
        out.printf(Locale.ROOT, "  ratio e2e/raw %.3f, e2e/peer %.3f%n", e2e / rawRate, e2e / peerRun.perSecond());
        correctness(log, expected.size(), e2eRun.missing());
        double ceiling = httpCeiling(rows, log.sampleBody());
        out.printf(Locale.ROOT, "  ceiling ratio (HTTPS alone)/raw %.3f: the best e2e/raw this machine allows with one signed"
                + " HTTPS request per event; e2e/(HTTPS alone) %.3f%n", ceiling / rawRate, e2e / ceiling);
        memory(e2eRun.peak(), e2eRun.rssMb());
        result.put("e2e_events_per_s", String.format(Locale.ROOT, "%.0f", e2e));
        result.put("raw_events_per_s", String.format(Locale.ROOT, "%.0f", rawRate));
        result.put("ratio", String.format(Locale.ROOT, "%.3f", e2e / rawRate));
        ceilingPerS = ceiling;
        added.put("ceiling_ratio", String.format(Locale.ROOT, "%.3f", e2e / ceiling));
        added.put("peer_events_per_s", String.format(Locale.ROOT, "%.0f", peerRun.perSecond()));
        added.put("peer_ratio", String.format(Locale.ROOT, "%.3f", e2e / peerRun.perSecond()));
        added.put("cpu_us_per_event", perEvent(e2eRun.cpuMicros(), e2eRun.delivered()));
        added.put("erp_db_cpu_us_per_event", perEvent(e2eRun.erpDbCpuMicros(), e2eRun.delivered()));
        added.put("start_to_first_delivery_ms", e2eRun.firstMs() < 0 ? "n/a" : Long.toString(e2eRun.firstMs()));

        // the same again with a receiver that answers after 20 ms: where concurrency counts
        out.printf(Locale.ROOT, "  -- receiver answering after %d ms (%d receiver threads) --%n", SLOW_RECEIVER_MS,
                RECEIVER_THREADS);
        receiver.respondWith(r -> HttpsReceiver.Response.status(200).withDelay(SLOW_RECEIVER_MS));
        try {
            CommitLog slow = new CommitLog();
            load.backlog(rows, slow);
            ReceiptLog slowLog = new ReceiptLog(secret.getBytes(StandardCharsets.UTF_8));
            receipts.set(slowLog);
            Run e2eSlow = connectorRun(cut, slowLog, slow, 120 + rows / 50);
            out.printf(Locale.ROOT, "  e2e  connector start -> last webhook acknowledged: %d webhooks in %.2f s = %.0f"
                    + " events/s   [load %s]%n", e2eSlow.delivered(), e2eSlow.seconds(), e2eSlow.perSecond(),
                    e2eSlow.load());
            correctness(slowLog, slow.size(), e2eSlow.missing());
            PeerRun peerSlow = peerRun(slow, PEER_SLOW_WINDOW_SECONDS);
            out.printf(Locale.ROOT, "  peer start -> last POST acknowledged: %d of %d in %.2f s = %.0f events/s%s"
                    + "   [load %s]%n", peerSlow.delivered(), slow.size(), peerSlow.seconds(), peerSlow.perSecond(),
                    peerSlow.delivered() < slow.size() ? " (stopped after " + PEER_SLOW_WINDOW_SECONDS + " s)" : "",
                    peerSlow.load());
            out.printf(Locale.ROOT, "  ratio e2e/peer with the %d ms receiver %.3f%n", SLOW_RECEIVER_MS,
                    e2eSlow.perSecond() / peerSlow.perSecond());
            added.put("peer_ratio_20ms", String.format(Locale.ROOT, "%.3f", e2eSlow.perSecond() / peerSlow.perSecond()));
        } finally {
            receiver.respondWith(r -> HttpsReceiver.Response.status(200));
        }
    }

    /** What one measured start of the connector did: start -> the last of the expected webhooks. */
    private record Run(int delivered, int missing, double seconds, double perSecond, long firstMs, double[] claimMs,
            long cpuMicros, long rssMb, long erpDbCpuMicros, String load, PeakMemory.Peak peak) {}

    /**
     * Starts the connector over what is committed, waits until every expected webhook arrived (at
     * most {@code waitSeconds}), and takes, before it stops: the connector process's CPU and peak RSS,
     * the CPU of the ERP database's PostgreSQL processes in the window, the claim percentiles.
     */
    private Run connectorRun(ConnectorUnderTest cut, ReceiptLog log, CommitLog expected, long waitSeconds)
            throws Exception {
        memory.reset();
        ErpDbCpu erpCpu = erpDbCpu();
        long cpu;
        long rss;
        long erp;
        double[] claimMs;
        String loadAverage;
        PeakMemory.Peak peak;
        try {
            cut.start();
            Wait.upTo(waitSeconds, () -> allArrived(expected, log));
            cpu = cut.cpuMicros();
            erp = erpCpu == null ? -1 : erpCpu.stopMicros();
            rss = cut.peakRssMb();
            peak = memory.read();
            loadAverage = loadAverage();
            claimMs = cut.claimPercentilesMs();
        } finally {
            if (erpCpu != null) {
                erpCpu.close();
            }
            cut.stop();
        }
        int missing = expected.missing(log);
        int delivered = expected.size() - missing;
        long start = cut.startedAt();
        long end = missing == 0 ? expected.lastReceipt(log) : System.nanoTime();
        long first = expected.firstReceipt(log);
        long firstMs = first == Long.MAX_VALUE ? -1 : (first - start) / 1_000_000;
        return new Run(delivered, missing, seconds(start, end), delivered / seconds(start, end), firstMs, claimMs, cpu,
                rss, erp, loadAverage, peak);
    }

    /** The sampler of the ERP database's server processes, or null (then "n/a") when it cannot start. */
    private ErpDbCpu erpDbCpu() {
        try {
            return new ErpDbCpu(db.url(), db.user(), db.password(), ConnectorUnderTest.SLOT);
        } catch (SQLException e) {
            out.println("  warning: cannot sample the ERP database's processes: " + e.getMessage());
            return null;
        }
    }

    private static String cpuLine(Run run) {
        return String.format(Locale.ROOT, "CPU of the connector process %s µs/event, of the ERP database's PostgreSQL"
                + " processes %s µs/event", perEvent(run.cpuMicros(), run.delivered()),
                perEvent(run.erpDbCpuMicros(), run.delivered()));
    }

    private static String perEvent(long micros, int events) {
        return micros < 0 || events <= 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", (double) micros / events);
    }

    private record PeerRun(int delivered, double seconds, double perSecond, String load) {}

    /** The peer from its stored offsets until every expected record was posted, or {@code waitSeconds} passed. */
    private PeerRun peerRun(CommitLog expected, long waitSeconds) throws Exception {
        ReceiptLog peerLog = ReceiptLog.ofPeer(secret.getBytes(StandardCharsets.UTF_8));
        peerReceipts.set(peerLog);
        HttpSinkPeer peer = peer();
        long start = System.nanoTime();
        String loadAverage;
        try {
            peer.start();
            Wait.upTo(waitSeconds, () -> allArrived(expected, peerLog) || peer.failure() != null);
            loadAverage = loadAverage();
        } finally {
            peer.close();
            peerReceipts.set(null);
        }
        int delivered = expected.size() - expected.missing(peerLog);
        if (peer.failure() != null || delivered == 0) {
            throw new IllegalStateException("the peer (Debezium Server's HTTP sink) delivered " + delivered + " of "
                    + expected.size() + (peer.failure() == null ? "" : ": " + peer.failure()));
        }
        if (peerLog.invalid() > 0 || peerLog.duplicates() > 0) {
            out.printf(Locale.ROOT, "  warning: the peer's posts had %d bad signatures, %d duplicates%n",
                    peerLog.invalid(), peerLog.duplicates());
            problems = true;
        }
        double secs = seconds(start, expected.lastReceipt(peerLog));
        return new PeerRun(delivered, secs, delivered / secs, loadAverage);
    }

    private HttpSinkPeer peer() {
        return db.peer(rawPollMillis, peerOffsets(), java.net.URI.create(receiver.url("/peer/project-created")),
                receiver.certificate().clientContext(), secret.getBytes(StandardCharsets.UTF_8));
    }

    private Path peerOffsets() {
        return work.resolve("peer.offsets");
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
        BenchDatabase state = stateDb == null ? db : stateDb;
        // Written while the connector runs, as history is: a running connector decodes its own outbox writes as they
        // happen (they share the database's WAL). Written while it is stopped, the history's 1.4 GB of WAL would be
        // decoded at its next start, 10 s and more before the first ERP change, and the case would measure that.
        long retained;
        try {
            cut.start();
            state.execute("INSERT INTO " + action + " (message_id, dedup_key, flow_name, action_index, entity, element_id,"
                    + " organization, event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status,"
                    + " attempts, delivered_at, created_at, updated_at)"
                    + " SELECT gen_random_uuid(), 'history:' || g, 'history', 0, 'project', 'h' || g, '1', 'create',"
                    + " 'event', 'https://history.invalid/hook', 'env:HISTORY', 5000, '{1000}', repeat('x', 400),"
                    + " 'delivered', 1, now() - interval '1 hour', now() - interval '2 hours', now() - interval '1 hour'"
                    + " FROM generate_series(1, " + BenchOptions.HISTORY_ROWS + ") g");
            state.execute("INSERT INTO " + ConnectorUnderTest.SCHEMA + ".attempt (action_id, attempt_no, started_at,"
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
        state.execute("VACUUM ANALYZE " + action);
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
        Run run = connectorRun(cut, log, expected, 120 + rows / 200);
        out.printf(Locale.ROOT, "  %s: connector start -> first webhook %d ms, -> last %.2f s = %.0f events/s   [load %s]%n",
                label, run.firstMs(), run.seconds(), run.perSecond(), run.load());
        claims(run.claimMs(), label + ": ");
        correctness(log, expected.size(), run.missing());
        return new Burst(run.perSecond(), run.firstMs(), run.claimMs());
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
            long connectorRss = cut.peakRssMb();
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
            memory(peak, connectorRss);
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
        settings = new ConnectorUnderTest(db, stateDb, work, caBundle, secret, options.settings(), options.inProcess())
                .settings();
        ConnectorSettings s = settings;
        rawPollMillis = s.capture().pollInterval().toMillis(); // the raw engine polls like the connector's capture
        out.printf(Locale.ROOT, "startyhook bench: %s; JVM max heap %d MB; %d CPUs; load average at start %s%n",
                embedded ? "embedded PostgreSQL" : "PostgreSQL at " + com.startyhook.store.Database.redactUrl(db.url()),
                PeakMemory.maxHeapMb(), Runtime.getRuntime().availableProcessors(), loadAverage());
        out.printf(Locale.ROOT, "connector: %s; its schema %s%n", options.inProcess()
                ? "in this JVM (--in-process)" : "java " + ConnectorProcess.HEAP + " -jar " + ConnectorProcess.jar()
                        + " run, a process of its own", stateDb == null ? "in the ERP database (--state erp)"
                        : "in the database " + BenchDatabase.STATE_DATABASE + " on the same server (--state separate)");
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
        ConnectorUnderTest cut = new ConnectorUnderTest(db, stateDb, rules, caBundle, secret, options.settings(),
                options.inProcess());
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

    /** Prints the phase's peak memory; {@code connectorRssMb} is the connector process's VmHWM (-1 in process). */
    private void memory(PeakMemory.Peak peak, long connectorRssMb) {
        out.printf(Locale.ROOT, "  peak memory of the benchmark JVM (%sreceiver + load generator): heap %d MB"
                + " (live after GC %d MB), RSS %s MB%s%n", options.inProcess() ? "connector + " : "",
                peak.heapMb(), peak.liveHeapMb(), peak.rssMb() < 0 ? "n/a" : Long.toString(peak.rssMb()),
                peak.rssReset() ? "" : " (RSS high-water mark since JVM start)");
        if (options.inProcess()) {
            peakRssMb = Math.max(peakRssMb, peak.rssMb());
        } else {
            out.printf(Locale.ROOT, "  peak RSS of the connector process (%s, since its start): %s MB%n",
                    ConnectorProcess.HEAP, connectorRssMb < 0 ? "n/a" : Long.toString(connectorRssMb));
            peakRssMb = Math.max(peakRssMb, connectorRssMb);
        }
        out.flush();
    }

    private void dropState() throws SQLException, InterruptedException {
        db.dropState();
        if (stateDb != null) {
            stateDb.dropSchema();
        }
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
