package com.startyhook.rules;

/**
 * A condition trigger's query as JDBC sees it: each {@code :since} a parameter, a literal {@code ?}
 * escaped, one statement only. Validation describes this form and the monitor's scans run it
 * (wrapped), so that both read a query alike.
 *
 * <p>{@code :since} is recognised outside string literals, quoted identifiers, comments and
 * dollar-quoted bodies, and not as part of a {@code ::cast}. Each occurrence is replaced by a
 * placeholder of the same length, so a character position in the database's error message maps
 * back to the flow's query.
 *
 * @param sql             the query for a prepared statement
 * @param sinceParameters how many {@code :since} parameters it takes
 */
public record ConditionSql(String sql, int sinceParameters) {
    private static final String SINCE = ":since";
    private static final String PLACEHOLDER = "?     "; // as long as ":since"

    /**
     * The query rewritten for JDBC.
     *
     * @throws IllegalArgumentException when the query holds more than one statement
     */
    public static ConditionSql rewrite(String query) {
        String body = stripTrailingSemicolons(query);
        StringBuilder out = new StringBuilder(body.length() + 16);
        int since = 0;
        int i = 0;
        int n = body.length();
        while (i < n) {
            char c = body.charAt(i);
            int end = endOfOpaque(body, i);
            if (end > i) {
                // a string, quoted name, comment or dollar-quoted body: copied as it is
            } else if (c == ':' && body.startsWith(SINCE, i) && (i == 0 || body.charAt(i - 1) != ':')
                    && (i + SINCE.length() == n || !isIdentifierChar(body.charAt(i + SINCE.length())))) {
                out.append(PLACEHOLDER);
                since++;
                i += SINCE.length();
                continue;
            } else if (c == ';') {
                throw new IllegalArgumentException("a condition query is a single SELECT: remove the ';' at position "
                        + (i + 1) + " (a second statement could leave the read-only transaction)");
            } else if (c == '?') {
                // a literal '?' (e.g. a jsonb operator) must reach PostgreSQL as itself, not as a parameter
                out.append("??");
                i++;
                continue;
            } else {
                end = i + 1;
            }
            out.append(body, i, end);
            i = end;
        }
        return new ConditionSql(out.toString(), since);
    }

    private static String stripTrailingSemicolons(String query) {
        String q = query.strip();
        while (q.endsWith(";")) {
            q = q.substring(0, q.length() - 1).strip();
        }
        return q;
    }

    /**
     * Where the string literal ('…', E'…'), quoted identifier, comment (-- and nested block comments)
     * or dollar-quoted body starting at {@code i} ends (it may run to the end); {@code i} when none
     * starts there. Shared with the offline check of the query's shape, so that both read it alike.
     */
    static int endOfOpaque(String s, int i) {
        char c = s.charAt(i);
        int n = s.length();
        if (c == '\'') {
            return endOfQuoted(s, i, '\'', isEscapeString(s, i));
        } else if (c == '"') {
            return endOfQuoted(s, i, '"', false);
        } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
            int end = s.indexOf('\n', i);
            return end < 0 ? n : end;
        } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
            return endOfBlockComment(s, i);
        }
        String tag = c == '$' ? dollarTag(s, i) : null;
        if (tag != null) {
            int close = s.indexOf(tag, i + tag.length());
            return close < 0 ? n : close + tag.length();
        }
        return i;
    }

    private static boolean isEscapeString(String s, int quote) {
        return quote > 0 && (s.charAt(quote - 1) == 'E' || s.charAt(quote - 1) == 'e')
                && (quote == 1 || !isIdentifierChar(s.charAt(quote - 2)));
    }

    private static int endOfQuoted(String s, int start, char quote, boolean backslashEscapes) {
        int i = start + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return s.length();
    }

    private static int endOfBlockComment(String s, int start) {
        int depth = 0;
        int i = start;
        while (i < s.length()) {
            if (s.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (s.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return s.length();
    }

    /** The dollar-quote opening tag at {@code start} ({@code $$} or {@code $name$}), or null. */
    private static String dollarTag(String s, int start) {
        if (start > 0 && isIdentifierChar(s.charAt(start - 1))) {
            return null; // part of an identifier such as a$b
        }
        int i = start + 1;
        while (i < s.length() && s.charAt(i) != '$') {
            char c = s.charAt(i);
            if (!(Character.isLetter(c) || c == '_' || (i > start + 1 && Character.isDigit(c)))) {
                return null; // $1 and friends are not dollar quotes
            }
            i++;
        }
        return i < s.length() ? s.substring(start, i + 1) : null;
    }

    static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
