package com.startyhook.ops;

import com.startyhook.store.Database;
import com.startyhook.store.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the outbox bounded: deletes delivered and cancelled actions older than one age and failed
 * ones older than another, with their attempts, in small batches so that it never holds long
 * locks. Run by the leader only.
 */
public final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    public static final int DEFAULT_BATCH = 1000;
    /** Bound on one batch's delete. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofMinutes(2);

    private final Database database;
    private final Duration deliveredAge;
    private final Duration failedAge;
    private final int batch;

    public Retention(Database database, Duration deliveredAge, Duration failedAge, int batch) {
        this.database = database;
        this.deliveredAge = deliveredAge;
        this.failedAge = failedAge;
        this.batch = batch;
    }

    /** Deletes what is due; returns the number of actions deleted. */
    public long runOnce() throws SQLException {
        long deleted = deleteOlderThan("status IN ('delivered', 'cancelled')", deliveredAge)
                + deleteOlderThan("status = 'failed'", failedAge);
        if (deleted > 0) {
            LOG.info("Retention deleted {} old actions and their attempts", deleted);
        }
        return deleted;
    }

    private long deleteOlderThan(String condition, Duration age) throws SQLException {
        // attempts have no foreign key to their action (V51): they go in the same statement
        String sql = "WITH gone AS (DELETE FROM " + database.table("action") + " WHERE id IN (SELECT id FROM "
                + database.table("action") + " WHERE " + condition
                + " AND updated_at < now() - ? * interval '1 millisecond'"
                // created_at <= updated_at: lets the BRIN index skip every page of recent actions
                + " AND created_at < now() - ? * interval '1 millisecond' ORDER BY id LIMIT ?) RETURNING id),"
                + " attempts AS (DELETE FROM " + database.table("attempt") + " t USING gone WHERE t.action_id = gone.id)"
                + " SELECT count(*) FROM gone";
        long total = 0;
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql);
                java.sql.Statement bound = c.createStatement()) {
            while (true) {
                // each batch in a transaction of its own, with a bound of its own (not the pool's)
                int n = Transactions.inTransaction(c, tx -> {
                    bound.execute("SET LOCAL statement_timeout = " + STATEMENT_TIMEOUT.toMillis());
                    ps.setLong(1, age.toMillis());
                    ps.setLong(2, age.toMillis());
                    ps.setInt(3, batch);
                    try (java.sql.ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
                total += n;
                if (n < batch) {
                    return total;
                }
            }
        }
    }
}
