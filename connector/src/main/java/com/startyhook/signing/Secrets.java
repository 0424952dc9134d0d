package com.startyhook.signing;

import com.startyhook.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Resolves secret references: {@code env:NAME} (an environment variable) or {@code file:PATH}
 * (a file's content, trailing newline removed). Error messages name the reference, never a value.
 */
public final class Secrets {
    private final Map<String, String> environment;

    public Secrets() {
        this(System.getenv());
    }

    /** With an explicit environment, for tests and for the CLI's overrides. */
    public Secrets(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** True when {@code reference} has the form {@code env:NAME} or {@code file:PATH}. */
    public static boolean isReference(String reference) {
        return reference != null
                && ((reference.startsWith("env:") && reference.length() > 4)
                        || (reference.startsWith("file:") && reference.length() > 5));
    }

    /** The secret's UTF-8 bytes; throws a {@link ConfigurationException} saying what to fix. */
    public byte[] resolve(String reference) {
        if (!isReference(reference)) {
            throw new ConfigurationException("secret reference must be env:NAME or file:PATH, not a literal secret");
        }
        String value;
        if (reference.startsWith("env:")) {
            String name = reference.substring(4);
            value = environment.get(name);
            if (value == null || value.isEmpty()) {
                throw new ConfigurationException("secret " + reference + " does not resolve: environment variable "
                        + name + " is not set in the connector's environment; export it before starting");
            }
        } else {
            Path file = Path.of(reference.substring(5));
            try {
                value = Files.readString(file, StandardCharsets.UTF_8).stripTrailing();
            } catch (IOException e) {
                throw new ConfigurationException("secret " + reference + " does not resolve: cannot read " + file
                        + " (" + e.getClass().getSimpleName() + "); create it or fix the path");
            }
            if (value.isEmpty()) {
                throw new ConfigurationException("secret " + reference + " does not resolve: " + file + " is empty");
            }
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
