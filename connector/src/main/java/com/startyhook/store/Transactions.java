package com.startyhook.store;

import java.sql.Connection;
import java.sql.SQLException;

/** One transaction on a connection: committed when the work returns, rolled back when it throws. */
public final class Transactions {
    private Transactions() {}

    /** Work done inside the transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on {@code c} and returns its result; the connection's
     * auto-commit is restored either way, so it goes back to the pool as it came.
     */
    public static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
