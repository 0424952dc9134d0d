package com.startyhook;

/** A configuration value is missing or wrong; the message names the key and the fix. */
public class ConfigurationException extends StartyHookException {
    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
