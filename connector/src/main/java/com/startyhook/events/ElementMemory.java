package com.startyhook.events;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The once-per-element memory ({@code element_memory}) of event flows: remembers that flows fired for
 * elements, on the caller's connection, so that it commits with the actions it lets through (live capture and
 * backfill share it).
 */
final class ElementMemory {
    private final String rememberSql;

    ElementMemory(String schema) {
        this.rememberSql = "INSERT INTO " + schema + ".element_memory (flow_name, element_id)"
                + " SELECT * FROM unnest(?::text[], ?::text[]) ON CONFLICT DO NOTHING RETURNING flow_name, element_id";
    }

    /**
     * Remembers each (flow, element) pair of the two lists; returns those that were new, as
     * {@code flow + '\u0000' + element}: the flow had never fired for them.
     */
    Set<String> remember(Connection c, List<String> flows, List<String> elements) throws SQLException {
        Set<String> fresh = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(rememberSql)) {
            ps.setArray(1, c.createArrayOf("text", flows.toArray()));
            ps.setArray(2, c.createArrayOf("text", elements.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(rs.getString(1) + '\u0000' + rs.getString(2));
                }
            }
        }
        return fresh;
    }
}
