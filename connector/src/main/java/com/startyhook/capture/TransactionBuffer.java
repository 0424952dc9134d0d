package com.startyhook.capture;

import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Groups the change records of the WAL stream into committed transactions, folding each
 * element's changes into one {@link ElementChange}. {@code pgoutput} sends whole committed
 * transactions in commit order; Debezium's transaction metadata marks their BEGIN and END, so a
 * transaction is complete at its END record. A transaction cut by a batch boundary stays open
 * until its END arrives in a later batch, and nothing after its BEGIN is acknowledged meanwhile.
 */
final class TransactionBuffer {

    /**
     * What one batch completed.
     *
     * @param safePoint the last record after which no transaction is open: its offset may be
     *                  committed; null when there is none in this batch
     * @param safeIndex index of {@code safePoint} in the batch, -1 when none
     */
    record Batch(List<CommittedTransaction> completed, SourceRecord safePoint, int safeIndex, boolean transactionOpen) {}

    private final String transactionTopic;
    private final String heartbeatTopic;
    private final String messageTopic;
    private final Map<Schema, String> tableBySchema = new IdentityHashMap<>();
    private Open open;

    private final ValueReading reading;

    TransactionBuffer(String topicPrefix) {
        this(topicPrefix, ValueReading.DEFAULT);
    }

    /** @param reading how the elements' values are read (source time zone, numeric types) */
    TransactionBuffer(String topicPrefix, ValueReading reading) {
        this.reading = reading;
        this.transactionTopic = topicPrefix + ".transaction";
        this.heartbeatTopic = "__debezium-heartbeat." + topicPrefix;
        this.messageTopic = topicPrefix + ".message";
    }

    Batch accept(List<SourceRecord> records) {
        List<CommittedTransaction> completed = new ArrayList<>();
        SourceRecord safePoint = null;
        int safeIndex = -1;
        for (int i = 0; i < records.size(); i++) {
            SourceRecord r = records.get(i);
            String topic = r.topic();
            if (transactionTopic.equals(topic)) {
                Struct v = (Struct) r.value();
                if ("BEGIN".equals(v.getString("status"))) {
                    open = new Open();
                } else {
                    if (open != null) {
                        completed.add(open.finish());
                    }
                    open = null;
                    safePoint = r;
                    safeIndex = i;
                }
            } else if (heartbeatTopic.equals(topic) || messageTopic.equals(topic) || r.value() == null) {
                // heartbeats, and the logical decoding messages heartbeats emit: a safe point between transactions
                if (open == null) {
                    safePoint = r;
                    safeIndex = i;
                }
            } else {
                if (open == null) {
                    open = new Open(); // defensive: a data record without BEGIN
                }
                open.add(r);
            }
        }
        return new Batch(completed, safePoint, safeIndex, open != null);
    }

    private String table(Struct value, Struct source) {
        return tableBySchema.computeIfAbsent(value.schema(),
                s -> source.getString("schema") + "." + source.getString("table"));
    }

    private final class Open {
        private final Map<Object, ElementChange> elements = new LinkedHashMap<>();
        private long txId;
        private long commitMicros;

        void add(SourceRecord r) {
            Struct value = (Struct) r.value();
            String op = value.getString("op");
            if (op == null || op.length() != 1 || "cud".indexOf(op.charAt(0)) < 0) {
                return; // snapshot reads, truncates and messages are not element changes
            }
            Struct source = value.getStruct("source");
            String table = table(value, source);
            long lsn = source.getInt64("lsn");
            Long tx = source.getInt64("txId");
            txId = tx == null ? txId : tx;
            Object micros = source.schema().field("ts_us") == null ? null : source.get("ts_us");
            commitMicros = micros != null ? (Long) micros : source.getInt64("ts_ms") * 1000L;
            Object key = r.key() == null ? new Object() : List.of(table, r.key());
            char c = op.charAt(0);
            Struct before = value.getStruct("before");
            Struct after = value.getStruct("after");
            ElementChange change = elements.get(key);
            if (change == null) {
                elements.put(key, new ElementChange(table, c, before, after, lsn, reading));
            } else {
                change.apply(c, after, lsn);
            }
        }

        CommittedTransaction finish() {
            List<ElementChange> changes = new ArrayList<>(elements.size());
            for (ElementChange e : elements.values()) {
                if (e.kind() != ElementChange.Kind.NONE) {
                    changes.add(e);
                }
            }
            Instant commit = Instant.ofEpochSecond(Math.floorDiv(commitMicros, 1_000_000L),
                    Math.floorMod(commitMicros, 1_000_000L) * 1000L);
            return new CommittedTransaction(txId, commit, changes);
        }
    }
}
