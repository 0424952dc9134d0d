package com.startyhook.monitor;

import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxWriter;
import com.startyhook.outbox.Payload;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares a scan's rows, which arrive ordered by id, with the stored fingerprints one batch at a
 * time, on the scan's write connection: a batch covers the id range (previous batch's last id,
 * this batch's last id], so stored elements of that range that are not in the batch have left the
 * result set. Entered and changed elements fire; every write goes into the caller's transaction.
 */
final class CompareAndFire {
    static final String EVENT = "condition";
    static final String SOURCE = "condition";

    private final MonitorStore store;
    private final OutboxWriter outbox;
    private final Connection write;
    private final Flow flow;
    private final boolean baseline;
    private final boolean fire;
    private final Instant started;
    private final int batchSize;
    private final List<ConditionRow> batch;
    private String lastId;
    private String rangeStart; // exclusive; null before the first batch
    private int rows;
    private int fired;
    private int enqueued;

    CompareAndFire(MonitorStore store, OutboxWriter outbox, Connection write, Flow flow, boolean baseline,
            boolean fire, Instant started, int batchSize) {
        this.store = store;
        this.outbox = outbox;
        this.write = write;
        this.flow = flow;
        this.baseline = baseline;
        this.fire = fire;
        this.started = started;
        this.batchSize = batchSize;
        this.batch = new ArrayList<>(batchSize);
    }

    void add(ConditionRow row) throws SQLException {
        if (row.id().equals(lastId)) {
            throw new MonitorException("the query of flow " + flow.name() + " returns id " + row.id()
                    + " more than once; each element must appear at most once (GROUP BY the id, or use DISTINCT ON (id))");
        }
        lastId = row.id();
        rows++;
        batch.add(row);
        if (batch.size() >= batchSize) {
            flush();
        }
    }

    /** Compares the last batch and forgets the stored elements after the last row. */
    void finish() throws SQLException {
        flush();
        store.forgetElementsAfter(write, flow.name(), rangeStart);
    }

    int rows() {
        return rows;
    }

    int fired() {
        return fired;
    }

    int enqueued() {
        return enqueued;
    }

    private void flush() throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        String rangeEnd = lastId;
        Map<String, String> stored = baseline ? new java.util.HashMap<>()
                : store.fingerprints(write, flow.name(), rangeStart, rangeEnd);
        List<ConditionRow> changed = new ArrayList<>();
        for (ConditionRow row : batch) {
            if (!flow.organizations().includes(row.organization())) {
                continue; // out of scope: as if the query had not returned it
            }
            String before = stored.remove(row.id());
            if (!row.fingerprint().equals(before)) {
                changed.add(row);
            }
        }
        store.forgetElements(write, flow.name(), stored.keySet());
        store.storeFingerprints(write, flow.name(), changed.stream().map(ConditionRow::id).toList(),
                changed.stream().map(ConditionRow::fingerprint).toList(), started);
        if (fire) {
            enqueue(changed);
        }
        batch.clear();
        rangeStart = rangeEnd;
    }

    private void enqueue(List<ConditionRow> firing) throws SQLException {
        if (flow.mode() == ExecutionMode.ONCE_PER_ELEMENT) {
            Set<String> first = store.rememberFirstFirings(write, flow.name(),
                    firing.stream().map(ConditionRow::id).toList());
            firing = firing.stream().filter(r -> first.contains(r.id())).toList();
        }
        List<NewAction> actions = new ArrayList<>(firing.size() * flow.actions().size());
        for (ConditionRow row : firing) {
            Payload payload = new Payload(row.id(), EVENT, flow.elementKind(), flow.name(), row.context(), null, null,
                    started);
            for (int index = 0; index < flow.actions().size(); index++) {
                actions.add(NewAction.of(flow, index, dedupKey(flow.name(), index, row.id(), started), SOURCE,
                        started.toString(), payload, row.organization()));
            }
        }
        fired += firing.size();
        enqueued += outbox.enqueue(write, actions);
    }

    /** The same scan always yields the same key for an element, so a retried write cannot double a firing. */
    static String dedupKey(String flowName, int actionIndex, String elementId, Instant scanStarted) {
        return "condition:" + flowName + ":" + actionIndex + ":" + scanStarted + ":" + elementId;
    }
}
