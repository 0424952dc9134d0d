package com.startyhook.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The webhook body of DESIGN §8. No row data beyond what the trigger knows: receivers fetch
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

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The exact JSON text that is stored, signed and sent; field order as in DESIGN §8. */
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
