package com.startyhook.bench;

import io.debezium.engine.DebeziumEngine;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The life of one embedded Debezium engine of the benchmark's baselines (the raw reader, the peer):
 * run on a thread of its own, its first failure kept, closed by waiting up to {@code stopWait} for it
 * to stop. Give {@link #completion()} to the engine's builder, then the built engine to {@link #of}.
 */
final class EngineRun implements AutoCloseable {
    private final ExecutorService executor;
    private final Duration stopWait;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private DebeziumEngine<?> engine;

    EngineRun(String threadName, Duration stopWait) {
        this.executor = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName));
        this.stopWait = stopWait;
    }

    /** The engine's completion callback: keeps the first failure, notes that it stopped. */
    DebeziumEngine.CompletionCallback completion() {
        return (success, message, error) -> {
            if (!success) {
                failure.compareAndSet(null, message + (error == null ? "" : ": " + error));
            }
            stopped.countDown();
        };
    }

    /** The engine this runs (built with {@link #completion()}). */
    EngineRun of(DebeziumEngine<?> built) {
        this.engine = built;
        return this;
    }

    void start() {
        executor.execute(engine);
    }

    /** The engine's failure, or null. */
    String failure() {
        return failure.get();
    }

    @Override
    public void close() throws IOException {
        engine.close();
        try {
            stopped.await(stopWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
