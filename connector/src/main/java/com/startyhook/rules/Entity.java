package com.startyhook.rules;

import java.util.List;

/**
 * An ERP business object type mapped to one table (docs/rules.md). Column names are as in the
 * database; optional columns are null when absent.
 *
 * @param key             primary key column(s); a composite key's values are joined with '|' in the payload id
 * @param organization    organization column, or null when the entity is not per organization
 * @param created         creation timestamp column copied to the payload's createdAt, or null
 * @param modified        modification timestamp column copied to the payload's modifiedAt, or null
 * @param confirm         what "confirmed" means for a document, or null when the entity is not a document
 */
public record Entity(String name, String schema, String table, List<String> key, String organization,
        String created, String modified, Confirm confirm) {
    public Entity {
        key = List.copyOf(key);
    }

    /** {@code schema.table}, as Debezium and PostgreSQL name it. */
    public String qualifiedTable() {
        return schema + "." + table;
    }

    /** A document's confirm definition: {@code property} holding one of {@code values} means confirmed. */
    public record Confirm(String property, List<Object> values) {
        public Confirm {
            values = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(values));
        }
    }
}
