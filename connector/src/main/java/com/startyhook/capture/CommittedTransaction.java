package com.startyhook.capture;

import java.time.Instant;
import java.util.List;

/**
 * One committed ERP transaction as read from the WAL, reduced to one net change per element, in
 * the order the elements were first changed.
 *
 * @param txId       PostgreSQL transaction id
 * @param commitTime the transaction's commit time
 */
public record CommittedTransaction(long txId, Instant commitTime, List<ElementChange> changes) {
    public CommittedTransaction {
        changes = List.copyOf(changes);
    }

    /** An LSN as PostgreSQL prints it, e.g. {@code 0/16B3748}. */
    public static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }
}
