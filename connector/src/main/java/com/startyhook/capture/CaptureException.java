package com.startyhook.capture;

import com.startyhook.StartyHookException;

/** Capture cannot go on: the engine is restarted with backoff and the message shown as its last error. */
public class CaptureException extends StartyHookException {
    public CaptureException(String message) {
        super(message);
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
    }
}
