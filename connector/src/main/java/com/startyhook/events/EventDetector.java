package com.startyhook.events;

import com.startyhook.capture.ElementChange;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.EventType;

/**
 * Decides which event of a trigger an element's net change over a transaction is (docs/capture.md). A
 * flow fires at most once per element per transaction, so the first matching event wins, in the
 * order create, confirm, become, change, update (delete stands alone).
 */
final class EventDetector {
    private EventDetector() {}

    static Detection detect(EventTrigger trigger, Entity entity, ElementChange change) {
        return switch (change.kind()) {
            case CREATE -> onCreate(trigger, entity, change);
            case UPDATE -> onUpdate(trigger, entity, change);
            case DELETE -> trigger.events().contains(EventType.DELETE) ? Detection.of(EventType.DELETE) : null;
            case NONE -> null;
        };
    }

    private static Detection onCreate(EventTrigger t, Entity entity, ElementChange c) {
        if (t.events().contains(EventType.CREATE)) {
            return Detection.of(EventType.CREATE);
        }
        if (t.events().contains(EventType.CONFIRM) && entity.confirm() != null) {
            Object value = c.newValue(entity.confirm().property());
            if (confirmed(entity, value)) {
                return new Detection(EventType.CONFIRM, entity.confirm().property(), null, value);
            }
        }
        if (t.events().contains(EventType.BECOME) && t.property() != null) {
            Object value = c.newValue(t.property());
            if (Values.known(value) && Values.matches(value, t.value())) {
                return new Detection(EventType.BECOME, t.property(), null, value);
            }
        }
        return null;
    }

    private static Detection onUpdate(EventTrigger t, Entity entity, ElementChange c) {
        if (t.events().contains(EventType.CONFIRM) && entity.confirm() != null && c.hasOldImage()) {
            String p = entity.confirm().property();
            Object before = c.oldValue(p);
            Object after = c.newValue(p);
            if (Values.known(before) && !confirmed(entity, before) && confirmed(entity, after)) {
                return new Detection(EventType.CONFIRM, p, before, after);
            }
        }
        if (t.events().contains(EventType.BECOME) && t.property() != null && c.hasOldImage()) {
            Object before = c.oldValue(t.property());
            Object after = c.newValue(t.property());
            if (Values.known(before) && Values.known(after) && Values.matches(after, t.value())
                    && !Values.matches(before, t.value())) {
                return new Detection(EventType.BECOME, t.property(), before, after);
            }
        }
        if (t.events().contains(EventType.CHANGE) && t.property() != null) {
            Object before = c.oldValue(t.property());
            Object after = c.newValue(t.property());
            if (Values.changed(before, after)) {
                return new Detection(EventType.CHANGE, t.property(), before, after);
            }
        }
        if (t.events().contains(EventType.UPDATE) && updated(t, c)) {
            return Detection.of(EventType.UPDATE);
        }
        return null;
    }

    /** Any listed property changed; with no list, any column changed (or the old row is unknown). */
    private static boolean updated(EventTrigger t, ElementChange c) {
        if (t.properties().isEmpty()) {
            if (!c.hasOldImage()) {
                return true;
            }
            for (String column : c.columns()) {
                if (Values.changed(c.oldValue(column), c.newValue(column))) {
                    return true;
                }
            }
            return false;
        }
        for (String p : t.properties()) {
            if (Values.changed(c.oldValue(p), c.newValue(p))) {
                return true;
            }
        }
        return false;
    }

    private static boolean confirmed(Entity entity, Object value) {
        if (!Values.known(value)) {
            return false;
        }
        for (Object v : entity.confirm().values()) {
            if (Values.matches(value, v)) {
                return true;
            }
        }
        return false;
    }
}
