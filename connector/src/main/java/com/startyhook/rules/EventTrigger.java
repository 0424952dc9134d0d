package com.startyhook.rules;

import java.util.List;
import java.util.Set;

/**
 * Fires on events of the flow's entity (docs/capture.md).
 *
 * @param events     the events that fire the flow (at least one)
 * @param property   the property of a {@code change} or {@code become} event, else null
 * @param value      the value of a {@code become} event (String, BigDecimal, Boolean or null), else null
 * @param properties for {@code update}: fire only when one of these changed; empty means any update
 */
public record EventTrigger(Set<EventType> events, String property, Object value, List<String> properties)
        implements Trigger {
    public EventTrigger {
        events = Set.copyOf(events);
        properties = List.copyOf(properties);
    }

    /** True when the flow needs the row's old values, hence REPLICA IDENTITY FULL on its table. */
    public boolean needsOldValues() {
        return events.contains(EventType.CONFIRM) || events.contains(EventType.CHANGE)
                || events.contains(EventType.BECOME)
                || (events.contains(EventType.UPDATE) && !properties.isEmpty());
    }
}
