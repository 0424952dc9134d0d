package com.startyhook.rules;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks PostgreSQL to parse a condition query and describe its result columns, without running it:
 * inside a READ ONLY transaction with a short statement timeout, rolled back afterwards.
 * {@code :since} becomes a {@code timestamptz} parameter, as the monitor binds it.
 */
final class ConditionQueryCheck {

    /** The query's result column labels, or the database's message when it refuses the query. */
    record Described(List<String> columns, String error) {}

    private final Connection connection;
    private final Duration statementTimeout;

    ConditionQueryCheck(Connection connection, Duration statementTimeout) {
        this.connection = connection;
        this.statementTimeout = statementTimeout;
    }

    /** The query with each {@code :since} replaced by a JDBC parameter typed as timestamptz; and how many. */
    Described describe(String query) throws SQLException {
        ConditionSql rewritten;
        try {
            rewritten = ConditionSql.rewrite(query);
        } catch (IllegalArgumentException e) {
            return new Described(List.of(), e.getMessage());
        }
        String sql = rewritten.sql();
        int parameters = rewritten.sinceParameters();
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            s.execute("SET TRANSACTION READ ONLY");
            s.execute("SET LOCAL statement_timeout = " + Math.max(1, statementTimeout.toMillis()));
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                for (int i = 1; i <= parameters; i++) {
                    ps.setObject(i, OffsetDateTime.now(ZoneOffset.UTC));
                }
                ResultSetMetaData md = ps.getMetaData();
                if (md == null) {
                    return new Described(List.of(), "the statement returns no rows");
                }
                List<String> columns = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    columns.add(md.getColumnLabel(i));
                }
                return new Described(columns, null);
            } catch (SQLException e) {
                return new Described(List.of(), e.getMessage());
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }
}
