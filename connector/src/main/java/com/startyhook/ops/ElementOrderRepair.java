package com.startyhook.ops;

import com.startyhook.outbox.ElementOrder;
import com.startyhook.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety net under per-element order: finds waiting actions that no earlier open action holds back
 * any more and makes them claimable. The connector never leaves one (it releases the next action in the
 * statement that closes one); an action whose status was changed by hand with psql can. Run by the leader
 * every {@link #INTERVAL_SECONDS} s; each run looks at up to {@link #PER_RUN} waiting actions, continuing
 * where the last run stopped, so its cost is bounded however long an element's queue is.
 */
public final class ElementOrderRepair {
    private static final Logger LOG = LoggerFactory.getLogger(ElementOrderRepair.class);
    public static final int INTERVAL_SECONDS = 30;
    static final int PER_PASS = 1_000;
    static final int PER_RUN = 10 * PER_PASS;

    private final Database database;
    private final ElementOrder order;
    private long afterId;

    public ElementOrderRepair(Database database) {
        this.database = database;
        this.order = new ElementOrder(database.schema());
    }

    /** One run; returns the number of actions released. */
    public synchronized long runOnce() throws SQLException {
        long released = 0;
        try (Connection c = database.connection()) {
            for (int scanned = 0; scanned < PER_RUN; scanned += PER_PASS) {
                ElementOrder.OrphanPass pass = order.releaseOrphans(c, afterId, PER_PASS);
                released += pass.released();
                if (pass.scanned() < PER_PASS) {
                    afterId = 0; // reached the end: start from the beginning next time
                    break;
                }
                afterId = pass.lastId();
            }
        }
        if (released > 0) {
            LOG.warn("Released {} actions that waited with no earlier open action of their element (was an action's"
                    + " status changed by hand? Use `startyhook outbox cancel` or `retry`, which keep the order)",
                    released);
        }
        return released;
    }
}
