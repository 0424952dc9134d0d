package com.startyhook.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;

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

    /** One bigint column of {@code rows}, nulls allowed. */
    public static <T> Long[] longs(List<T> rows, Function<? super T, Long> value) {
        return rows.stream().map(value).toArray(Long[]::new);
    }

    /** One integer column of {@code rows}, nulls allowed. */
    public static <T> Integer[] ints(List<T> rows, Function<? super T, Integer> value) {
        return rows.stream().map(value).toArray(Integer[]::new);
    }

    /** One text column of {@code rows}, nulls allowed. */
    public static <T> String[] strings(List<T> rows, Function<? super T, String> value) {
        return rows.stream().map(value).toArray(String[]::new);
    }
}
