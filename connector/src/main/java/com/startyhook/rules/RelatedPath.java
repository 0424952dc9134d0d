package com.startyhook.rules;

import java.util.List;

/**
 * A value of a related row (docs/rules.md, "Related values"): {@code invoice.customer.organization_id}
 * follows the entity's relation {@code invoice}, then its nested relation {@code customer}, and reads
 * the column {@code organization_id} there.
 *
 * @param text   the path as written
 * @param hops   the relations followed, first from the entity's own row; at least one
 * @param column the column read in the last hop's table
 */
public record RelatedPath(String text, List<Relation> hops, String column) {
    public RelatedPath {
        hops = List.copyOf(hops);
        if (hops.isEmpty()) {
            throw new IllegalArgumentException("a related path needs at least one hop");
        }
    }

    /** True when a property names a related value rather than a column: it holds a dot. */
    public static boolean isPath(String property) {
        return property != null && property.indexOf('.') >= 0;
    }

    /**
     * Resolves {@code text} against an entity's relations.
     *
     * @return the path, or null when a segment is not a declared relation (validation reports why)
     */
    public static RelatedPath resolve(java.util.Map<String, Relation> relations, String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length < 2) {
            return null;
        }
        java.util.ArrayList<Relation> hops = new java.util.ArrayList<>();
        java.util.Map<String, Relation> at = relations;
        for (int i = 0; i < parts.length - 1; i++) {
            Relation r = at.get(parts[i]);
            if (r == null) {
                return null;
            }
            hops.add(r);
            at = r.relations();
        }
        String column = parts[parts.length - 1];
        return column.isEmpty() ? null : new RelatedPath(text, hops, column);
    }
}
