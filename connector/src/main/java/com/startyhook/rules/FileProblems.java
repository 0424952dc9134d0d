package com.startyhook.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The problems of one rule file, and the typed field readers that report them with their JSON pointer. */
final class FileProblems {
    private final Path file;
    private final List<Problem> problems = new ArrayList<>();
    private final List<Problem> warnings = new ArrayList<>();
    private int found;

    FileProblems(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    List<Problem> list() {
        return problems;
    }

    /** Things worth telling that do not make the file invalid. */
    List<Problem> warnings() {
        return warnings;
    }

    void warn(String pointer, String message, String fix) {
        warnings.add(new Problem(file, pointer, message, fix));
    }

    /** How many problems were found, including those not listed because their field already has one. */
    int count() {
        return found;
    }

    /** Reports a problem; only the first of a field is listed (the later ones follow from it, mostly). */
    void add(String pointer, String message, String fix) {
        found++;
        if (problems.stream().noneMatch(p -> p.pointer().equals(pointer))) {
            problems.add(new Problem(file, pointer, message, fix));
        }
    }

    /** {@code base/field} with RFC 6901 escaping. */
    static String at(String base, String field) {
        return base + "/" + field.replace("~", "~0").replace("/", "~1");
    }

    static String at(String base, int index) {
        return base + "/" + index;
    }

    /**
     * Checks that {@code node} is an object with only {@code allowed} fields and all {@code required}
     * ones; returns false (after reporting) when it is not an object at all.
     */
    boolean checkObject(JsonNode node, String pointer, String what, List<String> allowed, List<String> required) {
        if (node == null || !node.isObject()) {
            add(pointer, what + " must be a JSON object, found " + describe(node), "write { ... } here");
            return false;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                String close = name.length() > Limits.SHOWN_CHARS ? null : Suggestions.closest(name, allowed);
                add(at(pointer, name), "unknown field " + Limits.shown(name) + " in " + what,
                        close != null ? "did you mean \"" + close + "\"?"
                                : "remove it; the fields of " + what + " are " + String.join(", ", allowed));
            }
        }
        for (String name : required) {
            if (!node.has(name)) {
                add(at(pointer, name), what + " has no \"" + name + "\"", "add the required field \"" + name + "\"");
            }
        }
        return true;
    }

    /** A string field; null when absent (not reported) or not a non-empty string (reported). */
    String string(JsonNode parent, String field, String pointer) {
        JsonNode v = parent.get(field);
        if (v == null) {
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            add(at(pointer, field), "\"" + field + "\" must be a non-empty string, found " + describe(v),
                    "write \"" + field + "\": \"...\"");
            return null;
        }
        return v.textValue();
    }

    /** A list of non-empty strings; null when absent or wrong (reported unless absent). */
    List<String> strings(JsonNode parent, String field, String pointer, boolean nonEmpty) {
        JsonNode v = parent.get(field);
        if (v == null) {
            return null;
        }
        String p = at(pointer, field);
        if (!v.isArray() || (nonEmpty && v.isEmpty())) {
            add(p, "\"" + field + "\" must be " + (nonEmpty ? "a non-empty" : "an") + " array of strings, found "
                    + describe(v), "write \"" + field + "\": [\"...\"]");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual() || e.textValue().isBlank()) {
                add(at(p, i), "must be a non-empty string, found " + describe(e), "write a quoted name");
                return null;
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** A duration field; null when absent or wrong (reported unless absent). */
    Duration duration(JsonNode parent, String field, String pointer, boolean positive) {
        JsonNode v = parent.get(field);
        if (v == null) {
            return null;
        }
        return durationValue(v, at(pointer, field), positive);
    }

    /**
     * A duration from zero (or, when {@code positive}, from just above zero) to {@link Limits#MAX_DURATION};
     * null after reporting one that is not a duration, negative, zero when it may not be, or longer.
     */
    Duration durationValue(JsonNode v, String pointer, boolean positive) {
        Duration d = v.isTextual() ? Durations.parse(v.textValue()) : null;
        if (d == null) {
            add(pointer, "not a duration: " + describe(v), Durations.EXAMPLES);
            return null;
        }
        if (d.isNegative()) {
            add(pointer, "a duration cannot be negative, found " + describe(v), Durations.EXAMPLES);
            return null;
        }
        if (positive && d.isZero()) {
            add(pointer, "the duration must be greater than zero, found " + describe(v), Durations.EXAMPLES);
            return null;
        }
        if (d.compareTo(Limits.MAX_DURATION) > 0) {
            add(pointer, "the duration " + describe(v) + " is longer than a day, the most a timeout, interval or retry delay may be",
                    "write at most \"1d\" (\"24h\")");
            return null;
        }
        return d;
    }

    /** Whether {@code node} is a scalar: string, number, boolean or null. */
    static boolean isScalar(JsonNode node) {
        return node.isTextual() || node.isNumber() || node.isBoolean() || node.isNull();
    }

    /** A scalar as the rules model holds it: String, BigDecimal, Boolean or null. */
    static Object scalar(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber()) {
            BigDecimal d = node.decimalValue();
            return d;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return null;
    }

    /** For messages: {@code "abc"}, {@code 42}, {@code an object}, {@code nothing}. */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return node.isEmpty() ? "an empty array" : "an array";
        }
        if (node.isTextual()) {
            return Limits.shown(node.textValue());
        }
        if (node.isNumber() && Limits.numberProblem(node.decimalValue()) != null) {
            return "a number out of range";
        }
        return node.toString();
    }
}
