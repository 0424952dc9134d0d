package com.startyhook.events;

import com.startyhook.capture.CommittedTransaction;
import com.startyhook.capture.ElementChange;
import com.startyhook.capture.TransactionSink;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxWriter;
import com.startyhook.outbox.Payload;
import com.startyhook.rules.ExecutionMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Turns committed transactions into outbox rows: detects each flow's event on every element's net
 * change, applies criteria, organization scope and execution mode, and enqueues one action per
 * flow action, all on the capture's connection so that they commit with the offsets.
 */
final class EventSink implements TransactionSink {
    private final OutboxWriter outbox;
    private final ElementMemory memory;
    private final MeterRegistry meters;
    private final String ownTablePrefix;
    /** Counters by table and kind, by event and flow: looked up once, not rebuilt on the hot path. */
    private final Map<String, io.micrometer.core.instrument.Counter> counters =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile FlowMatcher matcher = FlowMatcher.NONE;

    EventSink(String schema, MeterRegistry meters) {
        this.meters = meters;
        this.ownTablePrefix = schema + ".";
        this.outbox = new OutboxWriter(schema);
        this.memory = new ElementMemory(schema);
    }

    void use(FlowMatcher m) {
        this.matcher = m;
    }

    /** One flow firing for one element in one transaction. */
    private record Firing(ActiveFlow flow, Detection detection, CommittedTransaction tx, ElementChange change,
            String elementId, String organization) {
        String memoryKey() {
            return flow.flow().name() + '\u0000' + elementId;
        }
    }

    @Override
    public int write(Connection c, List<CommittedTransaction> transactions) throws SQLException {
        FlowMatcher m = matcher;
        List<Firing> firings = new ArrayList<>();
        for (CommittedTransaction tx : transactions) {
            for (ElementChange change : tx.changes()) {
                if (change.kind() != ElementChange.Kind.NONE && !change.table().startsWith(ownTablePrefix)) {
                    counters.computeIfAbsent("c\u0000" + change.table() + '\u0000' + change.kind(),
                            k -> meters.counter("startyhook.capture.changes", "table", change.table(),
                                    "kind", change.kind().name().toLowerCase(java.util.Locale.ROOT))).increment();
                }
                for (ActiveFlow flow : m.flowsFor(change.table())) {
                    Firing f = fire(flow, tx, change);
                    if (f != null) {
                        firings.add(f);
                    }
                }
            }
        }
        for (Firing f : firings) {
            counters.computeIfAbsent("e\u0000" + f.detection().event() + '\u0000' + f.flow().flow().name(),
                    k -> meters.counter("startyhook.events.detected", "event", f.detection().event().wireName(),
                            "flow", f.flow().flow().name())).increment();
        }
        if (firings.isEmpty()) {
            return 0;
        }
        List<Firing> kept = oncePerElement(c, firings);
        List<NewAction> actions = new ArrayList<>();
        for (Firing f : kept) {
            Payload payload = PayloadBuilder.payload(f.flow(), f.detection(), f.change(), f.elementId(),
                    f.organization(), f.tx().commitTime());
            String position = CommittedTransaction.lsn(f.change().lastLsn());
            for (int i = 0; i < f.flow().flow().actions().size(); i++) {
                String dedupKey = "wal:" + f.flow().flow().name() + ':' + i + ':' + f.tx().txId() + ':' + position
                        + ':' + f.elementId();
                actions.add(NewAction.of(f.flow().flow(), i, dedupKey, "event", position, payload, f.organization()));
            }
        }
        return outbox.enqueue(c, actions);
    }

    private static Firing fire(ActiveFlow flow, CommittedTransaction tx, ElementChange change) {
        if (!flow.activeAt(tx.commitTime())) {
            return null;
        }
        Detection d = EventDetector.detect(flow.trigger(), flow.entity(), change);
        if (d == null || !Criteria.allHold(flow.flow().criteria(), change)) {
            return null;
        }
        String organization = PayloadBuilder.organization(flow.entity(), change);
        if (!flow.flow().organizations().includes(organization)) {
            return null;
        }
        return new Firing(flow, d, tx, change, PayloadBuilder.elementId(flow.entity(), change), organization);
    }

    /**
     * Keeps every {@code every-time} firing and, for {@code once-per-element} flows, only the first
     * firing of an element ever: remembered in element_memory in the same transaction.
     */
    private List<Firing> oncePerElement(Connection c, List<Firing> firings) throws SQLException {
        Map<String, Firing> candidates = new LinkedHashMap<>();
        for (Firing f : firings) {
            if (f.flow().flow().mode() == ExecutionMode.ONCE_PER_ELEMENT) {
                candidates.putIfAbsent(f.memoryKey(), f);
            }
        }
        Set<String> fresh = new HashSet<>();
        if (!candidates.isEmpty()) {
            List<String> flows = new ArrayList<>(candidates.size());
            List<String> elements = new ArrayList<>(candidates.size());
            for (Firing f : candidates.values()) {
                flows.add(f.flow().flow().name());
                elements.add(f.elementId());
            }
            fresh = memory.remember(c, flows, elements);
        }
        List<Firing> kept = new ArrayList<>(firings.size());
        for (Firing f : firings) {
            if (f.flow().flow().mode() != ExecutionMode.ONCE_PER_ELEMENT) {
                kept.add(f);
            } else if (candidates.get(f.memoryKey()) == f && fresh.contains(f.memoryKey())) {
                kept.add(f);
            }
        }
        return kept;
    }
}
