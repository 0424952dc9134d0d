package com.startyhook.rules;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A many-to-one hop from a row to a related row (docs/rules.md, "Related values"): the row's
 * {@code column} holds the {@code key} of one row of {@code schema.table}. Nested {@code relations}
 * continue from that related row.
 */
public record Relation(String name, String column, String schema, String table, String key,
        Map<String, Relation> relations) {
    public Relation {
        relations = Collections.unmodifiableMap(new LinkedHashMap<>(relations));
    }

    /** {@code schema.table}, as PostgreSQL names it. */
    public String qualifiedTable() {
        return schema + "." + table;
    }
}
