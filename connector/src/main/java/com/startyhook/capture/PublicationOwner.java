package com.startyhook.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Who owns a publication, and so who manages its tables (docs/capture.md, "Who owns the
 * publication"): the connector manages a publication it owns that lists its tables; any other
 * (an administrator's, or one {@code FOR TABLES IN SCHEMA}) is used as it is.
 *
 * @param role      the owning role
 * @param managed   the connector's role owns it and it lists its tables
 * @param allTables it is {@code FOR ALL TABLES}
 */
public record PublicationOwner(String role, boolean managed, boolean allTables) {

    /** The publication {@code name}'s owner, or null when there is no such publication. */
    public static PublicationOwner read(Connection c, String name) throws SQLException {
        boolean schemas = c.getMetaData().getDatabaseMajorVersion() >= 15;
        try (PreparedStatement ps = c.prepareStatement("SELECT r.rolname, p.puballtables, r.rolname = current_user"
                + (schemas ? " AND NOT EXISTS (SELECT 1 FROM pg_publication_namespace n WHERE n.pnpubid = p.oid)" : "")
                + " FROM pg_publication p JOIN pg_roles r ON r.oid = p.pubowner WHERE p.pubname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new PublicationOwner(rs.getString(1), rs.getBoolean(3), rs.getBoolean(2)) : null;
            }
        }
    }
}
