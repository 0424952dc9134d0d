package com.startyhook.config;

import java.util.Locale;

/**
 * One configuration key of the catalogue: dotted lower-case name, default (null = none), what it
 * does. Secret keys are read from the environment or the file only, and never printed.
 */
public record ConfigKey(String key, String defaultValue, String description, boolean secret) {

    /** The environment variable that sets this key: {@code STARTYHOOK_} + key in upper case, '.' and '-' as '_'. */
    public String environmentVariable() {
        return "STARTYHOOK_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
