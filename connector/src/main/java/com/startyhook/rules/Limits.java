package com.startyhook.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;

/**
 * Every limit a rule file is held to, in one place (the README's rule reference lists them). Limits
 * keep what a hand-edited file can do bounded: names fit metrics labels, URLs and SQL; numbers and
 * durations fit what the connector computes with; nothing is large enough to exhaust memory or time.
 */
public final class Limits {
    /** A rule file (entities.json or a flow), read at most this far. */
    public static final int FILE_BYTES = 1024 * 1024;
    /** A {@code file:} secret, read at most this far. */
    public static final int SECRET_FILE_BYTES = 64 * 1024;
    /** Flow and entity names: {@code [a-z0-9][a-z0-9_-]*}, at most this long. */
    public static final int NAME_CHARS = 100;
    /** A flow's description. */
    public static final int DESCRIPTION_CHARS = 4000;
    /** A webhook URL. */
    public static final int URL_CHARS = 2048;
    /** A host name (RFC 1123): at most 253 characters, each label 1 to 63. */
    public static final int HOST_CHARS = 253;
    public static final int HOST_LABEL_CHARS = 63;
    /** Header names and values, and how many headers an action may add. */
    public static final int HEADER_NAME_CHARS = 100;
    public static final int HEADER_VALUE_CHARS = 1000;
    public static final int HEADERS = 20;
    /** A condition query. */
    public static final int QUERY_CHARS = 20_000;
    /** Any other string, and any object key, of a rule file. */
    public static final int STRING_CHARS = 1000;
    /** Elements of any array (criteria, values of {@code in}, retry delays ...). */
    public static final int ARRAY_ITEMS = 1000;
    /** Nesting of JSON objects and arrays. */
    public static final int DEPTH = 32;
    /** Digits of a JSON number as written. */
    public static final int NUMBER_DIGITS = 100;
    /** Numbers: at most this many significant digits, and magnitude between 10^-MAX and 10^MAX. */
    public static final int NUMBER_PRECISION = 40;
    public static final int NUMBER_EXPONENT = 40;
    /** Every timeout and interval: greater than zero and at most a day; retry delays: 0 to a day. */
    public static final Duration MAX_DURATION = Duration.ofDays(1);
    /** Retry delays of one action. */
    public static final int RETRIES = 30;
    /** Secret references: {@code env:NAME} with a POSIX name, {@code file:PATH} up to this long. */
    public static final int SECRET_REFERENCE_CHARS = 1024;
    /** Hops of a related value ({@code invoice.customer.organization_id} is two). */
    public static final int RELATION_HOPS = 4;
    /** Context fields of one flow. */
    public static final int CONTEXT_FIELDS = 20;
    /** Shown of a value in a message, at most. */
    static final int SHOWN_CHARS = 60;

    private Limits() {}

    /**
     * The limits that hold anywhere in a rule file: string and key lengths, array sizes, the range
     * of numbers. Runs before the file is read as a flow, so nothing downstream ever formats or
     * hashes a number such as {@code 1e999999999}.
     */
    static void checkTree(JsonNode node, String pointer, FileProblems problems) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().length() > STRING_CHARS) {
                    problems.add(pointer, "a field name of " + e.getKey().length() + " characters (at most " + STRING_CHARS
                            + ")", "remove it: no field name of a rule file is that long");
                    continue;
                }
                checkTree(e.getValue(), FileProblems.at(pointer, e.getKey()), problems);
            }
        } else if (node.isArray()) {
            if (node.size() > ARRAY_ITEMS) {
                problems.add(pointer, "an array of " + node.size() + " elements (at most " + ARRAY_ITEMS + ")",
                        "shorten it");
                return;
            }
            for (int i = 0; i < node.size(); i++) {
                checkTree(node.get(i), FileProblems.at(pointer, i), problems);
            }
        } else if (node.isTextual()) {
            int max = pointer.equals("/trigger/query") ? QUERY_CHARS : pointer.equals("/description") ? DESCRIPTION_CHARS
                    : pointer.matches("/actions/\\d+/url") ? URL_CHARS : pointer.equals("/name") ? NAME_CHARS : STRING_CHARS;
            if (node.textValue().length() > max) {
                problems.add(pointer, "a string of " + node.textValue().length() + " characters is too long (at most "
                        + max + " here)", "shorten it");
            }
        } else if (node.isNumber()) {
            String wrong = numberProblem(node.decimalValue());
            if (wrong != null) {
                problems.add(pointer, wrong, "write a number between -1e" + NUMBER_EXPONENT + " and 1e" + NUMBER_EXPONENT
                        + " with at most " + NUMBER_PRECISION + " significant digits (or quote it as a string)");
            }
        }
    }

    /** Why a number is out of range, or null; never formats the number in full. */
    static String numberProblem(BigDecimal d) {
        if (d.signum() == 0) {
            return null;
        }
        BigDecimal s = d.stripTrailingZeros();
        long magnitude = (long) s.precision() - s.scale() - 1; // exponent of the most significant digit
        if (magnitude > NUMBER_EXPONENT || magnitude < -NUMBER_EXPONENT) {
            return "the number's magnitude is 10^" + magnitude + ", out of range";
        }
        if (s.precision() > NUMBER_PRECISION) {
            return "the number has " + s.precision() + " significant digits, more than " + NUMBER_PRECISION;
        }
        return null;
    }

    /** For messages: {@code text} quoted, cut to {@value #SHOWN_CHARS} characters, control characters escaped. */
    static String shown(String text) {
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(text.length(), SHOWN_CHARS);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(switch (c) {
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    default -> String.format("\\u%04x", (int) c);
                });
            } else {
                b.append(c);
            }
        }
        if (text.length() > n) {
            b.append("…\" (").append(text.length()).append(" characters)");
        } else {
            b.append('"');
        }
        return b.toString();
    }
}
