package com.startyhook.rules;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads what the live validator needs about tables from PostgreSQL's catalog (read-only). */
final class TableCatalog {
    private static final Pattern SIMPLE = Pattern.compile("[a-z_][a-z0-9_$]*");

    /**
     * @param replicaIdentity pg_class.relreplident: d(efault), f(ull), i(ndex) or n(othing)
     */
    record Table(String schema, String name, List<String> columns, char replicaIdentity, boolean primaryKey,
            List<String> types) {
        /** The column's type as PostgreSQL prints it ({@code bigint}, {@code text}), or null when there is no such column. */
        String type(String column) {
            int i = columns.indexOf(column);
            return i < 0 ? null : types.get(i);
        }

        String qualified() {
            return quote(schema) + "." + quote(name);
        }

        String replicaIdentityName() {
            return switch (replicaIdentity) {
                case 'f' -> "FULL";
                case 'i' -> "USING INDEX";
                case 'n' -> "NOTHING";
                default -> "DEFAULT";
            };
        }
    }

    private final Connection connection;

    TableCatalog(Connection connection) {
        this.connection = connection;
    }

    Optional<Table> table(String schema, String name) throws SQLException {
        String sql = "SELECT c.relreplident, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), "
                + "ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
                + "AND NOT a.attisdropped ORDER BY a.attnum), "
                + "ARRAY(SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
                + "AND NOT a.attisdropped ORDER BY a.attnum) "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                List<String> columns = List.of((String[]) rs.getArray(3).getArray());
                List<String> types = List.of((String[]) rs.getArray(4).getArray());
                return Optional.of(new Table(schema, name, columns, rs.getString(1).charAt(0), rs.getBoolean(2), types));
            }
        }
    }

    /** Whether a valid index (a primary key, a unique or a plain one) starts with {@code column}. */
    boolean indexed(Table t, String column) throws SQLException {
        String sql = "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
                + "WHERE n.nspname = ? AND c.relname = ? AND a.attname = ? AND i.indkey[0] = a.attnum AND i.indisvalid)";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, t.schema());
            ps.setString(2, t.name());
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Whether the connected user may read the table. */
    boolean readable(Table t) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT has_table_privilege(?, 'SELECT')")) {
            ps.setString(1, t.qualified());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The tables of a schema, or empty when the schema does not exist. */
    List<String> tables(String schema) throws SQLException {
        String sql = "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = ? AND c.relkind IN ('r', 'p') ORDER BY 1";
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** An SQL identifier, quoted only when it needs to be. */
    static String quote(String identifier) {
        return SIMPLE.matcher(identifier).matches() ? identifier : "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
