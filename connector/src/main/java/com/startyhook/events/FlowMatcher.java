package com.startyhook.events;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The active event flows, by the table ({@code schema.table}) their entity maps. Immutable. */
final class FlowMatcher {
    static final FlowMatcher NONE = new FlowMatcher(List.of());

    private final Map<String, List<ActiveFlow>> byTable = new HashMap<>();
    private final List<ActiveFlow> flows;

    FlowMatcher(List<ActiveFlow> flows) {
        this.flows = List.copyOf(flows);
        for (ActiveFlow f : flows) {
            byTable.computeIfAbsent(f.entity().qualifiedTable(), t -> new ArrayList<>()).add(f);
        }
    }

    List<ActiveFlow> flowsFor(String table) {
        return byTable.getOrDefault(table, List.of());
    }

    Set<String> tables() {
        return Set.copyOf(byTable.keySet());
    }

    List<ActiveFlow> flows() {
        return flows;
    }
}
