package com.startyhook.bench;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureSource;
import com.startyhook.capture.DebeziumProperties;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The baseline of the benchmark: the raw Debezium engine reading the same changes with a consumer
 * that only counts data change records, with the connector's own Debezium settings
 * ({@link DebeziumProperties}: pgoutput, filtered publication, no snapshot, Connect records, no
 * JSON). Offsets stay in memory.
 */
final class RawDebeziumReader implements AutoCloseable {
    private final EngineRun run = new EngineRun("raw-debezium", Duration.ofSeconds(10));
    private final AtomicLong records = new AtomicLong();
    private volatile long countFromLsn;
    private volatile long target = Long.MAX_VALUE;
    private volatile long reachedAt;

    RawDebeziumReader(CaptureSource source, String slot, Set<String> tables, Duration pollInterval) {
        Properties p = DebeziumProperties.reading("raw-" + slot, source, slot, slot, tables, pollInterval,
                CaptureConfig.DEFAULT_MAX_BATCH_SIZE);
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "1000");
        run.of(DebeziumEngine.create(Connect.class)
                .using(p)
                .notifying((batch, committer) -> {
                    long n = 0;
                    for (var r : batch) {
                        SourceRecord record = r.value();
                        if (record != null && record.valueSchema() != null
                                && record.valueSchema().field("op") != null && counts(record)) {
                            n++;
                        }
                        committer.markProcessed(r);
                    }
                    if (records.addAndGet(n) >= target && reachedAt == 0) {
                        reachedAt = System.nanoTime();
                    }
                    committer.markBatchFinished();
                })
                .using(run.completion())
                .build());
    }

    /**
     * Counts only records at or after {@code lsn} (a restarted reader without stored offsets may
     * read again what it read before), and notes when {@code records} of them have been read.
     */
    void measure(long lsn, long records) {
        this.countFromLsn = lsn;
        this.target = records;
    }

    private boolean counts(SourceRecord record) {
        if (countFromLsn == 0) {
            return true;
        }
        Object lsn = record.sourceOffset().get("lsn");
        return lsn instanceof Long l && l >= countFromLsn;
    }

    /** {@link System#nanoTime()} when the target of {@link #measure} was reached, or 0. */
    long reachedAt() {
        return reachedAt;
    }

    void start() {
        run.start();
    }

    long records() {
        return records.get();
    }

    String failure() {
        return run.failure();
    }

    @Override
    public void close() throws IOException {
        run.close();
    }
}
