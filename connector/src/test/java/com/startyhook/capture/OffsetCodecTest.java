package com.startyhook.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;
import org.apache.kafka.connect.storage.OffsetStorageReaderImpl;
import org.junit.jupiter.api.Test;

class OffsetCodecTest {

    /** What the store loads from capture_offset, the engine's own offset reader must find. */
    @Test
    void offsetsWrittenByTheCaptureAreTheOnesTheEngineReads() {
        OffsetCodec codec = new OffsetCodec("startyhook");
        Map<String, Object> partition = Map.of("server", "startyhook");
        Map<String, Object> offset = Map.of("lsn", 23456789L, "txId", 812L, "lsn_commit", 23456700L,
                "ts_usec", 1764000000000000L);
        Store store = new Store();
        store.start();
        store.put(codec.key(partition), codec.value(offset));

        JsonConverter key = new JsonConverter();
        key.configure(Map.of("schemas.enable", "false"), true);
        JsonConverter value = new JsonConverter();
        value.configure(Map.of("schemas.enable", "false"), false);
        Map<String, Object> read = new OffsetStorageReaderImpl(store, "startyhook", key, value).offset(partition);
        store.stop();

        assertThat(read).containsEntry("lsn", 23456789L).containsEntry("txId", 812L)
                .containsEntry("lsn_commit", 23456700L);
    }

    @Test
    void theKeyNamesTheEngineAndThePartition() {
        assertThat(new OffsetCodec("startyhook").key(Map.of("server", "startyhook")))
                .isEqualTo("[\"startyhook\",{\"server\":\"startyhook\"}]");
    }

    private static final class Store extends MemoryOffsetBackingStore {
        void put(String k, String v) {
            data.put(ByteBuffer.wrap(k.getBytes(StandardCharsets.UTF_8)), ByteBuffer.wrap(v.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public Set<Map<String, Object>> connectorPartitions(String connectorName) {
            return Set.of();
        }
    }
}
