package com.startyhook.rules;

import java.nio.file.Path;

/**
 * One thing wrong with the rules, found by {@link RulesLoader} or {@link LiveValidator}.
 *
 * @param file    the rule file ({@code rules/entities.json}, {@code rules/flows/x.json}) or the rules directory
 * @param pointer the JSON pointer (RFC 6901) of the offending field; empty for the whole file
 * @param message what is wrong; never contains a secret's value
 * @param fix     what to do about it
 */
public record Problem(Path file, String pointer, String message, String fix) {
    public Problem {
        pointer = pointer == null ? "" : pointer;
    }

    /** {@code rules/flows/x.json: /trigger/value: become needs a value — add "value": "blocked"}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(file).append(": ");
        if (!pointer.isEmpty()) {
            s.append(pointer).append(": ");
        }
        s.append(message);
        if (fix != null && !fix.isEmpty()) {
            s.append(" — ").append(fix);
        }
        return s.toString();
    }
}
