package com.startyhook.ops;

import com.startyhook.outbox.Holds;
import com.startyhook.rules.ConditionTrigger;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.EventType;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.store.Activations;
import com.startyhook.store.Backfills;
import com.startyhook.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What an operator wants to know about each flow: state (active, inactive, or modified since it
 * was activated), trigger, mode, last run, actions by status, the last error and the newest backfill. Used by the
 * {@code flows} command and the console. Never contains a secret: URLs and secret references only.
 */
public final class FlowsReport {

    public enum State {
        ACTIVE, INACTIVE, MODIFIED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One flow's line. {@code lastRun} and {@code lastError} may be null; {@code paused} is null unless its
     * deliveries are paused ({@code flows pause}).
     */
    public record FlowLine(String name, String description, State state, String trigger, String mode,
            Instant lastRun, Map<String, Long> counts, String lastError, String activatedBy, Instant activatedAt,
            Holds.Pause paused, Backfills.Run backfill) {

        /** The flow's newest backfill in a phrase ({@code flows backfill}), or "-" when it never had one. */
        public String backfillSummary() {
            return backfill == null ? "-" : backfill.summary();
        }

        /** "not paused", or "paused (N held)". */
        public String deliveries() {
            return paused == null ? "not paused" : "paused (" + paused.held() + " held)";
        }
    }

    private final Database database;

    public FlowsReport(Database database) {
        this.database = database;
    }

    /** The state of {@code flow} given its stored activation (null when never activated). */
    public static State stateOf(Flow flow, Activations.Activation activation) {
        if (activation == null || activation.activeHash() == null) {
            return State.INACTIVE;
        }
        return activation.isActiveFor(flow.contentHash()) ? State.ACTIVE : State.MODIFIED;
    }

    public static String describeTrigger(Flow flow) {
        if (flow.trigger() instanceof ConditionTrigger c) {
            return "condition every " + c.interval().toString().substring(2).toLowerCase(java.util.Locale.ROOT);
        }
        EventTrigger e = (EventTrigger) flow.trigger();
        String events = e.events().stream().map(EventType::wireName).sorted().collect(Collectors.joining(","));
        StringBuilder b = new StringBuilder(events);
        if (e.property() != null) {
            b.append(' ').append(e.property());
        }
        if (e.events().contains(EventType.BECOME)) {
            b.append(" = ").append(e.value());
        }
        if (!e.properties().isEmpty()) {
            b.append(" of ").append(String.join(",", e.properties()));
        }
        return b.toString();
    }

    public List<FlowLine> lines(Rules rules, Map<String, Activations.Activation> activations) throws SQLException {
        Map<String, Map<String, Long>> counts = new HashMap<>();
        Map<String, Instant> lastRun = new HashMap<>();
        Map<String, String> lastError = new HashMap<>();
        try (Connection c = database.connection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT flow_name, status, count(*), max(created_at) FROM "
                    + database.table("action") + " GROUP BY flow_name, status");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getLong(3));
                    lastRun.merge(rs.getString(1), rs.getTimestamp(4).toInstant(), (a, b) -> a.isAfter(b) ? a : b);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT ON (flow_name) flow_name,"
                    + " coalesce(last_error, 'HTTP ' || last_http_status) FROM " + database.table("action")
                    + " WHERE status = 'failed' OR (status = 'pending' AND attempts > 0)"
                    + " ORDER BY flow_name, updated_at DESC");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lastError.put(rs.getString(1), rs.getString(2));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT flow_name, last_scan_started, last_status,"
                    + " last_error FROM " + database.table("monitor_state"));
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp started = rs.getTimestamp(2);
                    if (started != null) {
                        lastRun.merge(rs.getString(1), started.toInstant(), (a, b) -> a.isAfter(b) ? a : b);
                    }
                    if ("failed".equals(rs.getString(3))) {
                        lastError.put(rs.getString(1), "scan failed: " + rs.getString(4));
                    }
                }
            }
        }
        Map<String, Holds.Pause> paused = new HashMap<>();
        for (Holds.Pause p : new Holds(database).paused()) {
            paused.put(p.flow(), p);
        }
        Map<String, Backfills.Run> backfills = new Backfills(database).latest(List.copyOf(rules.flows().keySet()));
        List<FlowLine> lines = new ArrayList<>();
        for (Flow flow : rules.flows().values()) {
            Activations.Activation a = activations.get(flow.name());
            lines.add(new FlowLine(flow.name(), flow.description(), stateOf(flow, a), describeTrigger(flow),
                    flow.mode().wireName(), lastRun.get(flow.name()), counts.getOrDefault(flow.name(), Map.of()),
                    lastError.get(flow.name()), a == null ? null : a.activatedBy(),
                    a == null ? null : a.activatedAt(), paused.get(flow.name()), backfills.get(flow.name())));
        }
        return lines;
    }
}
