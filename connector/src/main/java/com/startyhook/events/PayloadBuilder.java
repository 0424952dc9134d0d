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

/** Builds the webhook body of the README's wire protocol for one firing: what the trigger knows, no other row data. */
final class PayloadBuilder {
    private PayloadBuilder() {}

    /** The element's key as text; a composite key's values joined with '|'. */
    static String elementId(Entity entity, ElementChange change) {
        if (entity.key().size() == 1) {
            return Values.text(change.currentValue(entity.key().get(0)));
        }
        StringBuilder b = new StringBuilder();
        for (String column : entity.key()) {
            if (b.length() > 0) {
                b.append('|');
            }
            b.append(Values.text(change.currentValue(column)));
        }
        return b.toString();
    }

    /** The element's organization as text, or null when the entity has none. */
    static String organization(Entity entity, ElementChange change) {
        return organization(entity, change::currentValue);
    }

    /** The element's organization as text from a column or a related value, or null when there is none. */
    static String organization(Entity entity, java.util.function.Function<String, Object> value) {
        if (entity.organization() == null) {
            return null;
        }
        Object v = value.apply(entity.organization());
        return v == null || !Values.known(v) ? null : Values.text(v);
    }

    static Payload payload(ActiveFlow flow, Detection d, ElementChange change, String elementId, String organization,
            Instant occurredAt) {
        return payload(flow, d, change, elementId, organization, Map.of(), occurredAt);
    }

    /** @param extra the flow's context fields (docs/rules.md), after the connector's own */
    static Payload payload(ActiveFlow flow, Detection d, ElementChange change, String elementId, String organization,
            Map<String, Object> extra, Instant occurredAt) {
        Entity entity = flow.entity();
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
        extra.forEach(context::putIfAbsent);
        return new Payload(elementId, d.event().wireName(), entity.name(), flow.flow().name(), context,
                instant(entity.created(), change), instant(entity.modified(), change), occurredAt);
    }

    private static Instant instant(String column, ElementChange change) {
        if (column == null) {
            return null;
        }
        Object v = change.currentValue(column);
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
