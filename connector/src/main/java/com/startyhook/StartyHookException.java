package com.startyhook;

/** Root of the connector's own unchecked exceptions; messages name the file, field or flow and the fix. */
public abstract class StartyHookException extends RuntimeException {
    protected StartyHookException(String message) {
        super(message);
    }

    protected StartyHookException(String message, Throwable cause) {
        super(message, cause);
    }
}
