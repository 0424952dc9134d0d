package com.startyhook.monitor;

import com.startyhook.outbox.OutboxWriter;
import com.startyhook.rules.ConditionTrigger;
import com.startyhook.rules.Flow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * One scan of one condition flow (docs/monitor.md), on two pooled connections, one to the connector's
 * state database and one to the ERP database (the same database unless {@code state.url} is set):
 * <ol>
 * <li>the <em>write</em> transaction share-locks the flow's activation and row-locks its
 * {@code monitor_state}, so scans of a flow never overlap, even across instances;</li>
 * <li>the <em>read</em> transaction is READ ONLY with {@code SET LOCAL statement_timeout}; its
 * start ({@code now()}) is the scan's start; it streams the query's rows ordered by id;</li>
 * <li>batch by batch the rows are compared with the stored fingerprints and the differences and
 * the actions they fire are written in the write transaction, which commits once, at the end.</li>
 * </ol>
 * A failure or crash before that commit leaves the previous state, {@code :since} included, as it
 * was: the next scan sees the same differences again and fires them then, once.
 */
record ScanFlow(MonitorStore store, javax.sql.DataSource erp, OutboxWriter outbox, MonitorConfig config, Clock clock) {

    /** Scans {@code flow}; {@code beforeCommit} runs after everything is written, just before the commit. */
    ScanResult scan(Flow flow, Runnable beforeCommit) throws SQLException {
        ConditionTrigger trigger = (ConditionTrigger) flow.trigger();
        Instant clockStart = clock.instant();
        try (Connection write = store.connection(); Connection read = erp.getConnection()) {
            write.setAutoCommit(false);
            read.setAutoCommit(false);
            try {
                Optional<MonitorStore.ActiveContent> active = store.lockActivation(write, flow.name());
                if (active.isEmpty() || !active.get().hash().equals(flow.contentHash())) {
                    write.rollback();
                    return ScanResult.inactive();
                }
                MonitorStore.ScanState state = store.lockState(write, flow.name());
                boolean baseline = !state.hasBaselineFor(active.get());
                // :since on an activation's first scan is the activation time (documented in docs/monitor.md)
                Instant since = baseline || state.lastSuccessStarted() == null
                        ? active.get().activatedAt() : state.lastSuccessStarted();

                Instant started = beginReadOnly(read, timeout(trigger));
                if (baseline) {
                    store.forgetAllElements(write, flow.name());
                }
                CompareAndFire compare = new CompareAndFire(store, outbox, write, flow, baseline,
                        !baseline || trigger.fireOnFirstScan(), started, config.batchSize());
                ConditionQuery query = ConditionQuery.of(trigger.query());
                try (PreparedStatement ps = read.prepareStatement(query.sql())) {
                    ps.setFetchSize(config.fetchSize());
                    for (int i = 1; i <= query.sinceParameters(); i++) {
                        ps.setObject(i, MonitorStore.timestamp(since), Types.TIMESTAMP_WITH_TIMEZONE);
                    }
                    try (ResultSet rs = executeQuery(ps, flow)) {
                        ReadConditionRows reader = new ReadConditionRows(flow.name(), rs.getMetaData(), config.sourceTimeZone());
                        while (rs.next()) {
                            compare.add(reader.read(rs));
                        }
                    }
                }
                compare.finish();
                read.commit();
                long durationMs = Duration.between(clockStart, clock.instant()).toMillis();
                store.recordSuccess(write, flow.name(), active.get(), started, compare.rows(), compare.fired(),
                        durationMs);
                beforeCommit.run();
                write.commit();
                return new ScanResult(baseline ? ScanResult.Outcome.BASELINE : ScanResult.Outcome.SCANNED, started,
                        compare.rows(), compare.fired(), compare.enqueued(), durationMs, null);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(read, e);
                rollbackQuietly(write, e);
                throw e;
            }
        }
    }

    /** Runs the wrapped query; its own errors about the id column become a clear message. */
    private static ResultSet executeQuery(PreparedStatement ps, Flow flow) throws SQLException {
        try {
            return ps.executeQuery();
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            if ("42703".equals(e.getSQLState()) && message.contains("startyhook_q.id")) {
                throw new MonitorException("the query of flow " + flow.name() + " returns no id column; return each"
                        + " element's key as a column named id, e.g. SELECT p.id, ... or SELECT product_id AS id, ...");
            }
            if ("42702".equals(e.getSQLState()) && message.contains("\"id\"")) {
                throw new MonitorException("the query of flow " + flow.name() + " returns more than one column named"
                        + " id; keep the element's key as id and rename the others (e.g. m.id AS movement_id)");
            }
            throw e;
        }
    }

    private Duration timeout(ConditionTrigger trigger) {
        return trigger.timeout() == null ? config.defaultTimeout() : trigger.timeout();
    }

    /** Starts the read-only transaction and returns its start time, the scan's start. */
    private static Instant beginReadOnly(Connection read, Duration timeout) throws SQLException {
        try (Statement s = read.createStatement()) {
            s.execute("SET TRANSACTION READ ONLY");
            s.execute("SET LOCAL statement_timeout = " + Math.max(1, timeout.toMillis()));
            try (ResultSet rs = s.executeQuery("SELECT now()")) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            }
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
