package com.startyhook.rules;

import java.util.List;
import java.util.Map;

/**
 * An ERP business object type mapped to one table (docs/rules.md). Column names are as in the
 * database; optional columns are null when absent.
 *
 * @param key             primary key column(s); a composite key's values are joined with '|' in the payload id
 * @param organization    organization column, or null when the entity is not per organization
 * @param created         creation timestamp column copied to the payload's createdAt, or null
 * @param modified        modification timestamp column copied to the payload's modifiedAt, or null
 * @param confirm         what "confirmed" means for a document, or null when the entity is not a document
 * @param relations       many-to-one hops to related rows, by name; organization, criteria and context
 *                        may name a related value as a {@link RelatedPath} ({@code invoice.organization_id})
 */
public record Entity(String name, String schema, String table, List<String> key, String organization,
        String created, String modified, Confirm confirm, Map<String, Relation> relations) {
    public Entity {
        key = List.copyOf(key);
        relations = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(relations));
    }

    /** An entity without relations. */
    public Entity(String name, String schema, String table, List<String> key, String organization,
            String created, String modified, Confirm confirm) {
        this(name, schema, table, key, organization, created, modified, confirm, Map.of());
    }

    /** The related value {@code property} names, or null when it is a plain column (or not a declared path). */
    public RelatedPath path(String property) {
        return RelatedPath.isPath(property) ? RelatedPath.resolve(relations, property) : null;
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
