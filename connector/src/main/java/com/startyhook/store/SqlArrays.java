package com.startyhook.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Binds column arrays to a statement's parameters, for the batch statements that read their rows
 * from {@code unnest(?::type[], ...)}: one statement for a whole batch instead of one per row.
 */
public final class SqlArrays {
    private SqlArrays() {}

    /**
     * Binds {@code columns} to parameters {@code first}, {@code first + 1}, ...; each is a
     * {@code Long[]} (bigint), {@code Integer[]} (integer) or {@code String[]} (text), nulls allowed.
     */
    public static void bind(Connection c, PreparedStatement ps, int first, Object[]... columns) throws SQLException {
        for (int i = 0; i < columns.length; i++) {
            Object[] column = columns[i];
            String type = column instanceof Long[] ? "bigint" : column instanceof Integer[] ? "integer"
                    : column instanceof String[] ? "text" : null;
            if (type == null) {
                throw new IllegalArgumentException("column " + i + " is a " + column.getClass().getSimpleName()
                        + "; bind Long[], Integer[] or String[]");
            }
            ps.setArray(first + i, c.createArrayOf(type, column));
        }
    }
}
