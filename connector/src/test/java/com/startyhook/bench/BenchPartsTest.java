package com.startyhook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.signing.Signer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The benchmark's small parts: the state database's URL, /proc readings, the peer's receipts. */
class BenchPartsTest {
    static final byte[] SECRET = "bench-secret".getBytes(StandardCharsets.UTF_8);

    @Test
    void theStateDatabaseIsTheErpServerWithAnotherDatabaseName() {
        assertThat(BenchDatabase.withDatabase("jdbc:postgresql://db.example:5433/erp", "startyhook_bench_state"))
                .isEqualTo("jdbc:postgresql://db.example:5433/startyhook_bench_state");
        assertThat(BenchDatabase.withDatabase("jdbc:postgresql://localhost/erp?sslmode=require&user=x", "s"))
                .isEqualTo("jdbc:postgresql://localhost/s?sslmode=require&user=x");
        assertThatThrownBy(() -> BenchDatabase.withDatabase("jdbc:postgresql:erp", "s"))
                .hasMessageContaining("--state separate").hasMessageContaining("jdbc:postgresql://HOST:PORT/DATABASE");
    }

    @Test
    void procReadsThisProcessAndSaysMinusOneForAProcessThatIsNotThere() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux only");
        long self = ProcessHandle.current().pid();
        // this JVM has compiled and run the test framework: some CPU, some memory
        assertThat(ProcStat.cpuMicros(self)).isPositive();
        assertThat(ProcStat.peakRssMb(self)).isPositive();
        assertThat(ProcStat.name(self)).isNotBlank();
        long gone = Long.MAX_VALUE / 2;
        assertThat(ProcStat.cpuMicros(gone)).isEqualTo(-1);
        assertThat(ProcStat.peakRssMb(gone)).isEqualTo(-1);
        assertThat(ProcStat.name(gone)).isNull();
    }

    @Test
    void thePeersPostsAreKeyedLikeTheConnectorsWebhooksAndTheirSignaturesChecked() {
        ReceiptLog log = ReceiptLog.ofPeer(SECRET);
        CommitLog expected = new CommitLog();
        expected.committed(ReceiptLog.key(LoadGenerator.CREATED, "41"), System.nanoTime());
        expected.committed(ReceiptLog.key(LoadGenerator.CREATED, "42"), System.nanoTime());

        // Debezium's JSON with its schema, and without
        log.accept(post("id-1", "{\"schema\": {}, \"payload\": {\"before\": null, \"after\": {\"id\": 41}, \"op\": \"c\"}}",
                SECRET));
        assertThat(expected.missing(log)).isEqualTo(1);
        log.accept(post("id-2", "{\"before\": null, \"after\": {\"id\": 42}, \"op\": \"c\"}", SECRET));
        // a transaction metadata record: received, no event
        log.accept(post("id-3", "{\"status\": \"END\", \"id\": \"571:123\"}", SECRET));
        assertThat(expected.missing(log)).isZero();
        assertThat(log.received()).isEqualTo(3);
        assertThat(log.invalid()).isZero();

        log.accept(post("id-4", "{\"after\": {\"id\": 43}}", "another secret".getBytes(StandardCharsets.UTF_8)));
        log.accept(post("id-4", "{\"after\": {\"id\": 44}}", SECRET));
        assertThat(log.invalid()).as("a post signed with another secret").isEqualTo(1);
        assertThat(log.duplicates()).as("the same X-StartyHook-Id twice").isEqualTo(1);
    }

    private static HttpsReceiver.Request post(String id, String body, byte[] secret) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        Map<String, String> headers = new TreeMap<>();
        headers.put("x-startyhook-id", id);
        headers.put("x-startyhook-timestamp", timestamp);
        headers.put("x-startyhook-signature", Signer.sign(secret, bytes, timestamp));
        return new HttpsReceiver.Request("POST", "/peer/project-created", headers, bytes, Instant.now());
    }
}
