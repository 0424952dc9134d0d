package com.startyhook.signing;

import com.startyhook.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * Resolves secret references: {@code env:NAME} (an environment variable) or {@code file:PATH}
 * (a regular file's content, UTF-8, at most {@value #MAX_FILE_BYTES} bytes, trailing whitespace
 * removed; read bounded, so {@code file:/dev/zero} cannot exhaust memory). Error messages name the
 * reference, never a value, and no exception class.
 */
public final class Secrets {
    /** The most a {@code file:} secret may hold (the README's rule reference documents it). */
    public static final int MAX_FILE_BYTES = 64 * 1024;

    private final Map<String, String> environment;

    /**
     * A reference that does not resolve in this environment but may where the connector runs: an
     * unset variable, a missing or unreadable file. Any other failure (an invalid path, a device, an
     * oversized or empty file) is a plain {@link ConfigurationException}.
     */
    public static final class Unresolved extends ConfigurationException {
        Unresolved(String message) {
            super(message);
        }
    }

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
                throw new Unresolved("secret " + shown(reference) + " does not resolve: environment variable "
                        + shown(name) + " is not set in the connector's environment; export it before starting");
            }
        } else {
            value = readFile(reference);
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static String readFile(String reference) {
        String shown = shown(reference);
        Path file;
        try {
            file = Path.of(reference.substring(5));
        } catch (InvalidPathException e) {
            throw new ConfigurationException("secret " + shown + " does not resolve: the path is not valid ("
                    + e.getReason() + "); write file:/absolute/path/to/the/secret");
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new Unresolved("secret " + shown + " does not resolve: cannot read " + shown(file.toString())
                    + " (" + reason(e) + "); create it or fix the path");
        }
        if (!a.isRegularFile()) {
            throw new ConfigurationException("secret " + shown + " does not resolve: it is not a regular file ("
                    + (a.isDirectory() ? "a folder" : "a device, FIFO or socket") + "); point it to a file holding the secret");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new Unresolved("secret " + shown + " does not resolve: cannot read it (" + reason(e)
                    + "); check its permissions");
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ConfigurationException("secret " + shown + " does not resolve: the file has more than "
                    + MAX_FILE_BYTES / 1024 + " KiB, the most a secret file may hold; point it to the secret alone");
        }
        String value;
        try {
            value = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigurationException("secret " + shown + " does not resolve: the file is not UTF-8 text");
        }
        value = value.stripTrailing();
        if (value.isEmpty()) {
            throw new ConfigurationException("secret " + shown + " does not resolve: the file is empty");
        }
        return value;
    }

    /** The reference for messages: cut short, control characters escaped. */
    private static String shown(String reference) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < reference.length() && i < 100; i++) {
            char c = reference.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return reference.length() > 100 ? b + "…" : b.toString();
    }

    /** An I/O failure in words, without the exception's class name (rule files use it too). */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return "an I/O error";
    }
}
