package com.startyhook.capture;

import com.startyhook.store.Transactions;
import io.debezium.embedded.EmbeddedEngineChangeEvent;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Receives Debezium's batches and makes them durable exactly once: the completed transactions'
 * outbox rows and the offset that covers them are committed in one database transaction, and only
 * then are the records acknowledged to the engine. A crash anywhere re-reads at most the
 * transactions whose outbox rows are not committed.
 */
final class CaptureHandler implements DebeziumEngine.ChangeConsumer<ChangeEvent<SourceRecord, SourceRecord>> {
    private final TransactionBuffer buffer;
    private final TransactionSink sink;
    private final DataSource dataSource;
    private final OffsetCodec codec;
    private final String upsertOffset;
    private final Runnable onCommitted;

    CaptureHandler(String topicPrefix, String engineName, TransactionSink sink, DataSource dataSource, String schema,
            ValueReading reading, Runnable onCommitted) {
        this.buffer = new TransactionBuffer(topicPrefix, reading);
        this.sink = sink;
        this.dataSource = dataSource;
        this.codec = new OffsetCodec(engineName);
        this.onCommitted = onCommitted;
        this.upsertOffset = "INSERT INTO " + schema + ".capture_offset (offset_key, offset_value, updated_at)"
                + " VALUES (?, ?, now()) ON CONFLICT (offset_key) DO UPDATE"
                + " SET offset_value = excluded.offset_value, updated_at = excluded.updated_at";
    }

    @Override
    public void handleBatch(List<ChangeEvent<SourceRecord, SourceRecord>> events,
            DebeziumEngine.RecordCommitter<ChangeEvent<SourceRecord, SourceRecord>> committer) throws InterruptedException {
        List<SourceRecord> records = new ArrayList<>(events.size());
        for (ChangeEvent<SourceRecord, SourceRecord> e : events) {
            records.add(((EmbeddedEngineChangeEvent<?, ?, ?>) e).sourceRecord());
        }
        TransactionBuffer.Batch batch = buffer.accept(records);
        if (batch.safePoint() != null) {
            int enqueued;
            try {
                enqueued = writeDurably(batch);
            } catch (SQLException e) {
                throw new CaptureException("writing " + batch.completed().size()
                        + " transactions to the outbox failed: " + e.getMessage(), e);
            }
            sink.committed(enqueued);
            onCommitted.run();
            for (int i = 0; i <= batch.safeIndex(); i++) {
                committer.markProcessed(events.get(i));
            }
        }
        sink.batchHandled(batch.transactionOpen());
        committer.markBatchFinished();
    }

    private int writeDurably(TransactionBuffer.Batch batch) throws SQLException {
        SourceRecord safe = batch.safePoint();
        try (Connection c = dataSource.getConnection()) {
            return Transactions.inTransaction(c, tx -> {
                int enqueued = batch.completed().isEmpty() ? 0 : sink.write(tx, batch.completed());
                try (PreparedStatement ps = tx.prepareStatement(upsertOffset)) {
                    ps.setString(1, codec.key(safe.sourcePartition()));
                    ps.setString(2, codec.value(safe.sourceOffset()));
                    ps.executeUpdate();
                }
                return enqueued;
            });
        }
    }
}
