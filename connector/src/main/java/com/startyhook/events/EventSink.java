package com.startyhook.events;

import com.startyhook.capture.CommittedTransaction;
import com.startyhook.capture.ElementChange;
import com.startyhook.capture.TransactionSink;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxWriter;
import com.startyhook.outbox.Payload;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.RelatedPath;
import java.sql.Array;
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
    /** The active flows and the related values each reads, swapped together on a hot reload. */
    private record Active(FlowMatcher matcher, Map<ActiveFlow, Map<String, RelatedPath>> paths,
            RelatedLookup.Plan plan) {}

    private volatile Active active = new Active(FlowMatcher.NONE, Map.of(), null);
    private final RelatedLookup lookup;
    /** This process's delivery, which takes actions due at once without a claim (delivery.handoff). */
    private volatile com.startyhook.outbox.Handoff handoff = com.startyhook.outbox.Handoff.NONE;
    /** The room reserved for the last write and what it inserted leased: handed over only after its commit. */
    private com.startyhook.outbox.Handoff.Grant grant;
    private final List<com.startyhook.outbox.Handoff.Leased> leased = new ArrayList<>();

    EventSink(String schema, MeterRegistry meters) {
        this(schema, meters, null, LookupConfig.defaults(), java.time.Clock.systemUTC());
    }

    /** @param erp where related values are read (only SELECTs); null when no flow may use any */
    EventSink(String schema, MeterRegistry meters, javax.sql.DataSource erp, LookupConfig lookupConfig,
            java.time.Clock clock) {
        this.lookup = erp == null ? null : new RelatedLookup(erp, lookupConfig, clock);
        this.meters = meters;
        this.ownTablePrefix = schema + ".";
        this.outbox = new OutboxWriter(schema);
        this.memory = new ElementMemory(schema);
    }

    void handoff(com.startyhook.outbox.Handoff h) {
        this.handoff = h == null ? com.startyhook.outbox.Handoff.NONE : h;
    }

    /**
     * After the commit of the last {@link #write}: hands what it inserted leased over to delivery; returns how many.
     * Never before the commit: a write whose transaction rolled back is forgotten by the next write.
     */
    synchronized int handOver() {
        com.startyhook.outbox.Handoff.Grant g = grant;
        if (g == null) {
            return 0;
        }
        List<com.startyhook.outbox.Handoff.Leased> taken = List.copyOf(leased);
        grant = null;
        leased.clear();
        handoff.handOver(g, taken);
        return taken.size();
    }

    /** The room reserved for a write that was not committed (rolled back, or the capture failed) is given back. */
    synchronized void forgetUncommitted() {
        if (grant != null) {
            handoff.cancel(grant);
            grant = null;
        }
        leased.clear();
    }

    void use(FlowMatcher m) {
        Map<ActiveFlow, Map<String, RelatedPath>> byFlow = new java.util.IdentityHashMap<>();
        List<RelatedPath> all = new ArrayList<>();
        for (ActiveFlow f : m.flows()) {
            Map<String, RelatedPath> used = new java.util.HashMap<>();
            List<String> properties = new ArrayList<>();
            properties.add(f.entity().organization());
            f.flow().criteria().forEach(c -> properties.add(c.property()));
            properties.addAll(f.flow().context().values());
            for (String p : properties) {
                RelatedPath path = p == null ? null : f.entity().path(p);
                if (path != null) {
                    used.put(p, path);
                    all.add(path);
                }
            }
            if (!used.isEmpty()) {
                if (lookup == null) {
                    throw new IllegalStateException("flow " + f.flow().name() + " reads related values but the event"
                            + " sink has no ERP data source");
                }
                byFlow.put(f, Map.copyOf(used));
            }
        }
        this.active = new Active(m, byFlow, lookup == null ? null : lookup.plan(all));
    }

    /** A detected event whose related values are still to be read. */
    private record Candidate(ActiveFlow flow, Detection detection, CommittedTransaction tx, ElementChange change,
            Map<String, RelatedLookup.Slot> slots) {
        Object value(String property) {
            RelatedLookup.Slot slot = slots.get(property);
            return slot != null ? slot.value() : change.currentValue(property);
        }
    }

    /** One flow firing for one element in one transaction. */
    private record Firing(ActiveFlow flow, Detection detection, CommittedTransaction tx, ElementChange change,
            String elementId, String organization, Map<String, Object> context) {
        String memoryKey() {
            return flow.flow().name() + '\u0000' + elementId;
        }
    }

    @Override
    public synchronized int write(Connection c, List<CommittedTransaction> transactions) throws SQLException {
        forgetUncommitted();
        Active now = active;
        FlowMatcher m = now.matcher();
        Map<ActiveFlow, Map<String, RelatedPath>> used = now.paths();
        List<Candidate> candidates = new ArrayList<>();
        List<RelatedLookup.Slot> slots = new ArrayList<>();
        for (CommittedTransaction tx : transactions) {
            for (ElementChange change : tx.changes()) {
                if (change.kind() != ElementChange.Kind.NONE && !change.table().startsWith(ownTablePrefix)) {
                    counters.computeIfAbsent("c\u0000" + change.table() + '\u0000' + change.kind(),
                            k -> meters.counter("startyhook.capture.changes", "table", change.table(),
                                    "kind", change.kind().name().toLowerCase(java.util.Locale.ROOT))).increment();
                }
                for (ActiveFlow flow : m.flowsFor(change.table())) {
                    Candidate candidate = detect(flow, tx, change, used.getOrDefault(flow, Map.of()), slots);
                    if (candidate != null) {
                        candidates.add(candidate);
                    }
                }
            }
        }
        if (!slots.isEmpty()) {
            lookup.resolve(now.plan(), slots);
        }
        List<Firing> firings = new ArrayList<>();
        for (Candidate candidate : candidates) {
            Firing f = fire(candidate);
            if (f != null) {
                firings.add(f);
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
                    f.organization(), f.context(), f.tx().commitTime());
            String position = CommittedTransaction.lsn(f.change().lastLsn());
            for (int i = 0; i < f.flow().flow().actions().size(); i++) {
                String dedupKey = "wal:" + f.flow().flow().name() + ':' + i + ':' + f.tx().txId() + ':' + position
                        + ':' + f.elementId();
                actions.add(NewAction.of(f.flow().flow(), i, dedupKey, "event", position, payload, f.organization()));
            }
        }
        if (actions.isEmpty()) {
            return 0;
        }
        grant = handoff.reserve(actions.size());
        return outbox.enqueue(c, actions, grant, leased);
    }

    /**
     * The flow's event on the change, if any and if the criteria on the element's own columns hold; the
     * related values it still needs are added to {@code slots}, to be read for the whole batch at once.
     */
    private static Candidate detect(ActiveFlow flow, CommittedTransaction tx, ElementChange change,
            Map<String, RelatedPath> used, List<RelatedLookup.Slot> slots) {
        if (!flow.activeAt(tx.commitTime())) {
            return null;
        }
        Detection d = EventDetector.detect(flow.trigger(), flow.entity(), change);
        if (d == null || !Criteria.allHold(flow.flow().criteria(), p -> used.containsKey(p) ? null : change.currentValue(p),
                used.keySet())) {
            return null;
        }
        Map<String, RelatedLookup.Slot> mine = Map.of();
        if (!used.isEmpty()) {
            mine = new java.util.HashMap<>();
            for (Map.Entry<String, RelatedPath> e : used.entrySet()) {
                RelatedPath path = e.getValue();
                RelatedLookup.Slot slot = new RelatedLookup.Slot(flow.entity().name(), path, tx.txId(),
                        change.currentValue(path.hops().get(0).column()));
                mine.put(e.getKey(), slot);
                slots.add(slot);
            }
        }
        return new Candidate(flow, d, tx, change, mine);
    }

    private static Firing fire(Candidate c) {
        ActiveFlow flow = c.flow();
        if (!c.slots().isEmpty() && !Criteria.allHold(flow.flow().criteria(), c::value, Set.of())) {
            return null;
        }
        String organization = PayloadBuilder.organization(flow.entity(), c::value);
        if (!flow.flow().organizations().includes(organization)) {
            return null;
        }
        Map<String, Object> context = Map.of();
        if (!flow.flow().context().isEmpty()) {
            context = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : flow.flow().context().entrySet()) {
                context.put(e.getKey(), Values.json(c.value(e.getValue())));
            }
        }
        return new Firing(flow, c.detection(), c.tx(), c.change(), PayloadBuilder.elementId(flow.entity(), c.change()),
                organization, context);
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
