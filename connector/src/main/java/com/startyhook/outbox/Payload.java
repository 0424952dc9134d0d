package com.startyhook.outbox;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The webhook body of the README's wire protocol. No row data beyond what the trigger knows: receivers fetch
 * details through the ERP's API.
 *
 * @param id         the element's key as a string (composite keys joined with '|')
 * @param context    what the trigger knows: organization, table, property, previous, value, monitor columns
 * @param createdAt  the element's creation time when the entity maps one, else null
 * @param modifiedAt the element's modification time when the entity maps one, else null
 * @param occurredAt when the event happened (commit time for WAL events, scan time for conditions)
 */
public record Payload(String id, String event, String entity, String workflow, Map<String, Object> context,
        Instant createdAt, Instant modifiedAt, Instant occurredAt) {

    /**
     * The largest body the connector sends, in UTF-8 bytes: 256 KiB. An action with a larger payload
     * fails when it is enqueued. The Standard Webhooks specification recommends payloads well under
     * 20 kB; 256 KiB is also the message limit of the common cloud queues, so any receiver that
     * forwards webhooks into one can take it.
     */
    public static final int MAX_BYTES = 256 * 1024;

    /** The UTF-8 length of {@code text}, without encoding it. */
    public static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Numbers in plain notation: a numeric 0.00000001 is sent so, never 1E-8 (docs/rules.md, "Value forms"). */
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    /** The exact JSON text that is stored, signed and sent; field order as in the README's wire protocol. */
    public String toJson() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("event", event);
        body.put("entity", entity);
        body.put("workflow", workflow);
        body.put("context", context);
        body.put("createdAt", createdAt);
        body.put("modifiedAt", modifiedAt);
        body.put("occurredAt", occurredAt);
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload of flow " + workflow + " cannot be serialised: " + e.getMessage(), e);
        }
    }
}
