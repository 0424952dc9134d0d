package com.startyhook.app;

import com.startyhook.monitor.FlowStatus;
import com.startyhook.outbox.Holds;
import com.startyhook.store.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's own metrics (docs/operations.md) next to those the services register themselves
 * (delivery attempts by outcome, delivery latency): actions by status and outbox depth, slot lag,
 * actions created by source and event, monitor scans. Statistics are read from the database by
 * {@link #refresh}, called on an interval, so that a scrape never waits for the database.
 */
final class ConnectorMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectorMetrics.class);
    static final List<String> STATUSES = List.of("pending", "delivering", "delivered", "failed", "cancelled");

    private final PrometheusMeterRegistry registry;
    private final Database database;
    /** The ERP database, where the replication slot is. */
    private final javax.sql.DataSource erp;
    private final String slotName;
    private final long slotLagWarningBytes;
    private final Map<String, AtomicLong> actionsByStatus = new ConcurrentHashMap<>();
    private final AtomicLong slotLagBytes = new AtomicLong(-1);
    private final MultiGauge scanDuration;
    private final MultiGauge scanFailing;
    private final Map<String, java.time.Instant> lastScanCounted = new HashMap<>();
    private long lastActionId = -1;
    /** Paused flows and disabled endpoints as of the last refresh (Holds). */
    private volatile Holds.Summary holds = new Holds.Summary(List.of(), List.of());

    ConnectorMetrics(Database database, String slotName, long slotLagWarningBytes, BooleanSupplier leader,
            IntSupplier activeFlows) {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), database, database.dataSource(), slotName,
                slotLagWarningBytes, leader, activeFlows);
    }

    /** Registers into {@code registry}, which may already serve /metrics while the connector starts. */
    ConnectorMetrics(PrometheusMeterRegistry registry, Database database, javax.sql.DataSource erp, String slotName,
            long slotLagWarningBytes, BooleanSupplier leader, IntSupplier activeFlows) {
        this.registry = registry;
        this.database = database;
        this.erp = erp;
        this.slotName = slotName;
        this.slotLagWarningBytes = slotLagWarningBytes;
        new JvmMemoryMetrics().bindTo(registry);
        for (String status : STATUSES) {
            AtomicLong v = actionsByStatus.computeIfAbsent(status, s -> new AtomicLong());
            Gauge.builder("startyhook.outbox.actions", v, AtomicLong::get).tag("status", status)
                    .description("actions in the outbox by status").register(registry);
        }
        Gauge.builder("startyhook.outbox.depth", actionsByStatus,
                m -> m.get("pending").get() + m.get("delivering").get())
                .description("actions waiting for delivery (pending + delivering)").register(registry);
        Gauge.builder("startyhook.replication.slot.lag", slotLagBytes, AtomicLong::get).baseUnit("bytes")
                .description("WAL retained by the replication slot (-1 when it does not exist)").register(registry);
        // Micrometer holds a gauge's state weakly: these lambdas would be collected, the gauge then NaN
        Gauge.builder("startyhook.leader", leader, l -> l.getAsBoolean() ? 1 : 0).strongReference(true)
                .description("1 when this process runs capture and monitors").register(registry);
        Gauge.builder("startyhook.flows.active", activeFlows, IntSupplier::getAsInt).strongReference(true)
                .description("flows active for their current content").register(registry);
        Gauge.builder("startyhook.flows.paused", this, m -> m.holds.pausedFlows().size())
                .description("flows whose deliveries are paused (flows pause): their actions are held").register(registry);
        Gauge.builder("startyhook.endpoints.disabled", this, m -> m.holds.disabledEndpoints().size())
                .description("endpoints (webhook URLs) disabled after 410 Gone or delivery.disable-after of failures:"
                        + " their actions are held until outbox enable-endpoint").register(registry);
        scanDuration = MultiGauge.builder("startyhook.monitor.scan.duration").baseUnit("seconds")
                .description("duration of each condition flow's last scan").register(registry);
        scanFailing = MultiGauge.builder("startyhook.monitor.scan.failing")
                .description("1 when the condition flow's last scan failed").register(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    long slotLagBytes() {
        return slotLagBytes.get();
    }

    /** Paused flows and disabled endpoints as of the last refresh. */
    Holds.Summary holds() {
        return holds;
    }

    Map<String, Long> actionsByStatus() {
        Map<String, Long> out = new TreeMap<>();
        actionsByStatus.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /**
     * Reads the outbox and slot statistics; on the leader also counts new actions by source and
     * event and the scans that ended since the last call ({@code scans} null on a standby).
     */
    void refresh(boolean leader, Map<String, FlowStatus> scans) throws SQLException {
        try (Connection c = database.connection()) {
            Map<String, Long> counts = countByStatus(c);
            actionsByStatus.forEach((status, v) -> v.set(counts.getOrDefault(status, 0L)));
            holds = new Holds(database).summary();
            if (leader) {
                countCreatedActions(c);
            }
        }
        try (Connection c = erp.getConnection()) {
            refreshSlotLag(c);
        }
        if (scans != null) {
            countScans(scans);
        }
    }

    /**
     * Actions by status without reading the whole outbox every few seconds: the open and the rare statuses
     * are counted exactly through their partial indexes (action_claimable and action_waiting, action_leased,
     * action_stopped). Delivered
     * actions, the bulk of a busy outbox, are counted exactly while the table is under
     * {@value #EXACT_DELIVERED_UP_TO} rows by the planner's statistics, and estimated beyond (the table's row
     * estimate less the other statuses): a full count of a table of millions every refresh, on every
     * instance, would cost more than the answer is worth.
     */
    private Map<String, Long> countByStatus(Connection c) throws SQLException {
        String action = database.table("action");
        Map<String, Long> counts = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT 'pending', (SELECT count(*) FROM " + action
                + " WHERE status = 'pending' AND NOT waiting) + (SELECT count(*) FROM " + action
                + " WHERE status = 'pending' AND waiting) UNION ALL SELECT 'delivering', count(*) FROM " + action
                + " WHERE status = 'delivering' UNION ALL SELECT status, count(*) FROM " + action
                + " WHERE status IN ('failed', 'cancelled') GROUP BY status UNION ALL"
                + " SELECT 'estimate', greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = ?::regclass");
                ) {
            ps.setString(1, action);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        long estimate = counts.remove("estimate");
        if (estimate < exactDeliveredUpTo) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + action
                    + " WHERE status = 'delivered'"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                counts.put("delivered", rs.getLong(1));
            }
        } else {
            long others = counts.values().stream().mapToLong(Long::longValue).sum();
            counts.put("delivered", Math.max(0, estimate - others));
        }
        return counts;
    }

    /** Below this many rows (planner's estimate) delivered actions are counted exactly. */
    static final long EXACT_DELIVERED_UP_TO = 200_000;
    private long exactDeliveredUpTo = EXACT_DELIVERED_UP_TO;

    /** Tests lower the threshold to see the estimate without writing 200,000 rows. */
    void exactDeliveredUpTo(long rows) {
        this.exactDeliveredUpTo = rows;
    }

    private void refreshSlotLag(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)"
                + " FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                long lag = rs.next() ? rs.getLong(1) : -1;
                if (lag > slotLagWarningBytes && slotLagBytes.get() <= slotLagWarningBytes) {
                    LOG.warn("Replication slot {} retains {} MB of WAL (over capture.slot-lag-warning): is capture"
                            + " running? A stopped connector makes PostgreSQL keep WAL; see README, slot hygiene",
                            slotName, lag >> 20);
                }
                slotLagBytes.set(lag);
            }
        }
    }

    /**
     * Counts the actions created since the previous call, by source (event, condition, manual) and
     * event: {@code startyhook_actions_enqueued_total}. The first call only sets the watermark.
     */
    private void countCreatedActions(Connection c) throws SQLException {
        if (lastActionId < 0) {
            try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(id), 0) FROM "
                    + database.table("action")); ResultSet rs = ps.executeQuery()) {
                rs.next();
                lastActionId = rs.getLong(1);
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT source, event, count(*), max(id) FROM "
                + database.table("action") + " WHERE id > ? GROUP BY source, event")) {
            ps.setLong(1, lastActionId);
            long max = lastActionId;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    registry.counter("startyhook.actions.enqueued", "source", rs.getString(1), "event", rs.getString(2))
                            .increment(rs.getLong(3));
                    max = Math.max(max, rs.getLong(4));
                }
            }
            lastActionId = max;
        }
    }

    private void countScans(Map<String, FlowStatus> scans) {
        List<MultiGauge.Row<?>> durations = new ArrayList<>();
        List<MultiGauge.Row<?>> failing = new ArrayList<>();
        for (FlowStatus s : scans.values()) {
            if (s.status() == null) {
                continue;
            }
            Tags flow = Tags.of("flow", s.flowName());
            if (s.durationMs() != null) {
                durations.add(MultiGauge.Row.of(flow, s.durationMs() / 1000.0));
            }
            failing.add(MultiGauge.Row.of(flow, s.failed() ? 1 : 0));
            java.time.Instant seen = lastScanCounted.put(s.flowName(), s.lastScanStarted());
            if (s.lastScanStarted() != null && !s.lastScanStarted().equals(seen)) {
                registry.counter("startyhook.monitor.scans", "flow", s.flowName(), "outcome",
                        s.failed() ? "failed" : "ok").increment();
            }
        }
        scanDuration.register(durations, true);
        scanFailing.register(failing, true);
    }
}
