package com.startyhook.capture;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * Serialises a source partition and offset exactly as Kafka Connect's {@code OffsetStorageWriter}
 * does inside the Debezium engine (schema-less JSON; the key is {@code [engineName, partition]}),
 * so that the rows the capture writes in its outbox transaction are the ones the engine's
 * offset reader looks up at start.
 */
final class OffsetCodec {
    private final String namespace;
    private final JsonConverter keyConverter = new JsonConverter();
    private final JsonConverter valueConverter = new JsonConverter();

    OffsetCodec(String namespace) {
        this.namespace = namespace;
        Map<String, String> config = Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false");
        keyConverter.configure(config, true);
        valueConverter.configure(config, false);
    }

    String key(Map<String, ?> partition) {
        return new String(keyConverter.fromConnectData(namespace, null, Arrays.asList(namespace, partition)),
                StandardCharsets.UTF_8);
    }

    String value(Map<String, ?> offset) {
        return new String(valueConverter.fromConnectData(namespace, null, offset), StandardCharsets.UTF_8);
    }
}
