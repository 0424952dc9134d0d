package com.startyhook.rules;

/** How many runs a flow creates per element (docs/rules.md). */
public enum ExecutionMode {
    ONCE_PER_ELEMENT("once-per-element"), EVERY_TIME("every-time");

    private final String wireName;

    ExecutionMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static ExecutionMode fromWireName(String name) {
        for (ExecutionMode m : values()) {
            if (m.wireName.equals(name)) {
                return m;
            }
        }
        return null;
    }
}
