package com.startyhook.rules;

import java.util.Locale;

/** The events of docs/capture.md; the wire name is the lower-case name. */
public enum EventType {
    CREATE, UPDATE, CONFIRM, CHANGE, BECOME, DELETE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The event for a wire name, or null when there is none. */
    public static EventType fromWireName(String name) {
        for (EventType t : values()) {
            if (t.wireName().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
