package com.startyhook.events;

import com.startyhook.capture.ElementChange;
import com.startyhook.outbox.Payload;
import com.startyhook.rules.Entity;
import com.startyhook.store.PgValues;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Builds the webhook body of the README's wire protocol for one firing: what the trigger knows, no other row data. */
final class PayloadBuilder {
    private PayloadBuilder() {}

    /** The element's key as text; a composite key's values joined with '|'. */
    static String elementId(Entity entity, ElementChange change) {
        return elementId(entity, change::currentValue);
    }

    /** The element's key as text, from its current values by column. */
    static String elementId(Entity entity, Function<String, Object> row) {
        if (entity.key().size() == 1) {
            return Values.text(row.apply(entity.key().get(0)));
        }
        StringBuilder b = new StringBuilder();
        for (String column : entity.key()) {
            if (b.length() > 0) {
                b.append('|');
            }
            b.append(Values.text(row.apply(column)));
        }
        return b.toString();
    }

    /** The element's organization as text, or null when the entity has none. */
    static String organization(Entity entity, ElementChange change) {
        return organization(entity, change::currentValue);
    }

    /** The element's organization as text from its current values, or null when the entity has none. */
    static String organization(Entity entity, Function<String, Object> row) {
        if (entity.organization() == null) {
            return null;
        }
        Object v = row.apply(entity.organization());
        return v == null || !Values.known(v) ? null : Values.text(v);
    }

    static Payload payload(ActiveFlow flow, Detection d, ElementChange change, String elementId, String organization,
            Instant occurredAt) {
        return payload(flow.flow().name(), flow.entity(), d, change::currentValue, elementId, organization,
                occurredAt, Map.of(), Map.of());
    }

    /** @param extra the flow's context fields (docs/rules.md), after the connector's own */
    static Payload payload(ActiveFlow flow, Detection d, ElementChange change, String elementId, String organization,
            Map<String, Object> extra, Instant occurredAt) {
        return payload(flow.flow().name(), flow.entity(), d, change::currentValue, elementId, organization,
                occurredAt, extra, Map.of());
    }

    /**
     * The body for flow {@code flowName} from the element's current values by column; {@code marks} are added
     * to the context (a backfill's {@code "backfill": true}), then the flow's own context fields {@code extra}.
     */
    static Payload payload(String flowName, Entity entity, Detection d, Function<String, Object> row,
            String elementId, String organization, Instant occurredAt, Map<String, Object> extra,
            Map<String, Object> marks) {
        Map<String, Object> context = new LinkedHashMap<>();
        if (entity.organization() != null) {
            context.put("organization", organization);
        }
        context.put("table", entity.qualifiedTable());
        if (d.property() != null) {
            context.put("property", d.property());
            context.put("previous", Values.json(d.previous()));
            context.put("value", Values.json(d.value()));
        }
        context.putAll(marks);
        extra.forEach(context::putIfAbsent);
        return new Payload(elementId, d.event().wireName(), entity.name(), flowName, context,
                instant(entity.created(), row), instant(entity.modified(), row), occurredAt);
    }

    private static Instant instant(String column, Function<String, Object> row) {
        if (column == null) {
            return null;
        }
        Object v = row.apply(column);
        if (v instanceof PgValues.Timestamp t) {
            return t.instant();
        }
        if (v instanceof Instant i) {
            return i;
        }
        if (v instanceof LocalDate d) {
            return d.atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        return null;
    }
}
