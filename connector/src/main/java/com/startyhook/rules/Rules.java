package com.startyhook.rules;

import java.nio.file.Path;
import java.util.Map;

/**
 * The rules as loaded from a rules directory: {@code entities.json} and {@code flows/*.json}.
 * Maps are keyed by name and keep file order.
 */
public record Rules(Path directory, Map<String, Entity> entities, Map<String, Flow> flows) {
    public Rules {
        entities = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entities));
        flows = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(flows));
    }

    public Entity entityOf(Flow flow) {
        return entities.get(flow.entity());
    }
}
