package com.startyhook.capture;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Where the capture hands committed transactions: the event service turns them into outbox rows. */
public interface TransactionSink {

    /**
     * Writes what {@code transactions} produce on {@code connection}, inside the database
     * transaction that also stores the capture offsets covering them; the caller commits.
     *
     * @return how many actions were enqueued
     */
    int write(Connection connection, List<CommittedTransaction> transactions) throws SQLException;

    /** Called after the commit of {@link #write}, before the engine is told the records are processed. */
    default void committed(int actionsEnqueued) {}

    /** Called at the end of every batch; {@code transactionOpen} when the batch ended inside a transaction. */
    default void batchHandled(boolean transactionOpen) {}
}
