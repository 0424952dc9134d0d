package com.startyhook.bench;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.capture.CaptureSource;
import com.startyhook.capture.DebeziumProperties;
import com.startyhook.signing.Signer;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * The peer of the benchmark: what Debezium Server's HTTP sink does, on its own slot and publication.
 * The embedded engine with the connector's Debezium settings ({@link DebeziumProperties}) but JSON
 * values (the {@code Json} format, schemas included, Debezium's default); for each record with a
 * value, one synchronous POST of that value with {@link HttpClient} (timeout 60 s), signed with the
 * same HMAC headers as the connector's webhooks so that the receiver does the same work; a non-2xx
 * answer or an I/O error is retried after 1 s, 5 attempts in all, then the engine stops; the record
 * is marked processed once answered, and the offsets are committed after each batch (file store,
 * flushed at every batch end). Debezium Server's sink does exactly this, one record after the other.
 */
final class HttpSinkPeer implements AutoCloseable {
    static final int ATTEMPTS = 5;
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(1);
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final EngineRun run = new EngineRun("peer-debezium", Duration.ofSeconds(30));
    private final HttpClient client;
    private final URI url;
    private final byte[] secret;
    private final AtomicLong posted = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();

    HttpSinkPeer(CaptureSource source, String slot, Set<String> tables, Duration pollInterval, Path offsets, URI url,
            SSLContext trust, byte[] secret) {
        this.url = url;
        this.secret = secret.clone();
        this.client = HttpClient.newBuilder().sslContext(trust).build();
        Properties p = DebeziumProperties.reading("peer-" + slot, source, slot, slot, tables, pollInterval,
                CaptureConfig.DEFAULT_MAX_BATCH_SIZE);
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", offsets.toString());
        p.setProperty("offset.flush.interval.ms", "0");
        run.of(DebeziumEngine.create(Json.class)
                .using(p)
                .notifying((batch, committer) -> {
                    for (ChangeEvent<String, String> r : batch) {
                        if (r.value() != null) {
                            post(r.value());
                        }
                        committer.markProcessed(r);
                    }
                    committer.markBatchFinished();
                })
                .using(run.completion())
                .build());
    }

    private void post(String value) throws InterruptedException {
        byte[] body = value.getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        for (int attempt = 1; ; attempt++) {
            String timestamp = Long.toString(Instant.now().getEpochSecond());
            HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("X-StartyHook-Id", id)
                    .header("X-StartyHook-Timestamp", timestamp)
                    .header("X-StartyHook-Signature", Signer.sign(secret, body, timestamp))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            String problem;
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    posted.incrementAndGet();
                    return;
                }
                problem = "HTTP " + response.statusCode();
            } catch (IOException e) {
                problem = e.toString();
            }
            if (attempt >= ATTEMPTS) {
                throw new IllegalStateException("the peer gave up on a record after " + ATTEMPTS + " attempts: "
                        + problem);
            }
            retried.incrementAndGet();
            Thread.sleep(RETRY_INTERVAL.toMillis());
        }
    }

    void start() {
        run.start();
    }

    /** Records posted and acknowledged with 2xx. */
    long posted() {
        return posted.get();
    }

    /** Attempts that were retried. */
    long retried() {
        return retried.get();
    }

    String failure() {
        return run.failure();
    }

    @Override
    public void close() throws IOException {
        run.close();
    }
}
