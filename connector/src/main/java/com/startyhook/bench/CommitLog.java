package com.startyhook.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The load generator's side: the commit time ({@link System#nanoTime()}, taken right after the
 * commit returned) of every row change that must produce one webhook, by {@code workflow|element id}.
 */
final class CommitLog {
    private final Map<String, Long> committedAt = new ConcurrentHashMap<>();

    void committed(String key, long nanos) {
        committedAt.put(key, nanos);
    }

    int size() {
        return committedAt.size();
    }

    /** Expected webhooks that have not arrived yet. */
    int missing(ReceiptLog receipts) {
        int n = 0;
        for (String key : committedAt.keySet()) {
            if (receipts.receivedAt(key) == null) {
                n++;
            }
        }
        return n;
    }

    /** The latest receipt among the expected webhooks (call once none is missing). */
    /** When the first of these commits' webhooks arrived (System.nanoTime), or Long.MAX_VALUE. */
    long firstReceipt(ReceiptLog receipts) {
        long first = Long.MAX_VALUE;
        for (String key : committedAt.keySet()) {
            Long r = receipts.receivedAt(key);
            if (r != null && r < first) {
                first = r;
            }
        }
        return first;
    }

    long lastReceipt(ReceiptLog receipts) {
        long last = Long.MIN_VALUE;
        for (String key : committedAt.keySet()) {
            Long r = receipts.receivedAt(key);
            if (r != null && r > last) {
                last = r;
            }
        }
        return last;
    }

    /** Commit-to-receipt latencies in microseconds of the expected webhooks that arrived. */
    long[] latenciesMicros(ReceiptLog receipts) {
        List<Long> out = new ArrayList<>(committedAt.size());
        committedAt.forEach((key, commit) -> {
            Long r = receipts.receivedAt(key);
            if (r != null) {
                out.add((r - commit) / 1000);
            }
        });
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
