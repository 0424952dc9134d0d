package com.startyhook.monitor;

import com.startyhook.StartyHookException;

/** A condition flow's scan cannot be done as its query is written; the message names the flow and the fix. */
public class MonitorException extends StartyHookException {
    public MonitorException(String message) {
        super(message);
    }
}
