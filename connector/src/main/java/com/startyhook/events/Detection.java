package com.startyhook.events;

import com.startyhook.rules.EventType;

/**
 * What an element's net change means for one flow's trigger.
 *
 * @param property the property the event is about (change, become, confirm), else null
 * @param previous its value before the transaction
 * @param value    its value after the transaction
 */
record Detection(EventType event, String property, Object previous, Object value) {
    static Detection of(EventType event) {
        return new Detection(event, null, null, null);
    }
}
