package com.startyhook.monitor;

/**
 * A condition flow's query as the scan runs it: {@code :since} becomes a JDBC parameter, and the
 * query is wrapped so that its rows arrive ordered by {@code id} as text in byte order, with that
 * text in a first column {@value #ID_COLUMN}: the scan compares rows range by range with the
 * stored fingerprints (same order as the table's index), and sees duplicate ids side by side.
 *
 * <p>{@code :since} is recognised outside string literals, quoted identifiers, comments and
 * dollar-quoted bodies, and not as part of a {@code ::cast}. Each occurrence is replaced by a
 * placeholder of the same length, so a character position in the database's error message maps
 * back to the flow's query by subtracting {@link #PREFIX}'s length.
 */
public record ConditionQuery(String sql, int sinceParameters) {
    /** The element id as the database writes it as text: the sort key, and the id the scan uses. */
    static final String ID_COLUMN = "startyhook_id";
    static final String PREFIX = "SELECT (startyhook_q.id)::text COLLATE \"C\" AS " + ID_COLUMN + ", startyhook_q.* FROM (\n";
    static final String SUFFIX = "\n) AS startyhook_q ORDER BY 1";
    private static final String SINCE = ":since";
    private static final String PLACEHOLDER = "?     "; // as long as ":since"

    /** The scan's SQL: the flow's query wrapped so that rows come sorted by id, {@code :since} as parameters. */
    static ConditionQuery of(String query) {
        ConditionQuery body = rewrite(query);
        return new ConditionQuery(PREFIX + body.sql() + SUFFIX, body.sinceParameters());
    }

    /**
     * The flow's query as JDBC sees it, unwrapped: each {@code :since} a parameter, literal {@code ?}
     * escaped. Also what validation describes, so that validation and scans read a query alike.
     *
     * @throws IllegalArgumentException when the query holds more than one statement
     */
    public static ConditionQuery rewrite(String query) {
        String body = stripTrailingSemicolons(query);
        StringBuilder out = new StringBuilder(body.length() + 16);
        int since = 0;
        int i = 0;
        int n = body.length();
        while (i < n) {
            char c = body.charAt(i);
            int end;
            if (c == '\'') {
                end = endOfQuoted(body, i, '\'', isEscapeString(body, i));
            } else if (c == '"') {
                end = endOfQuoted(body, i, '"', false);
            } else if (c == '-' && i + 1 < n && body.charAt(i + 1) == '-') {
                end = body.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (c == '/' && i + 1 < n && body.charAt(i + 1) == '*') {
                end = endOfBlockComment(body, i);
            } else if (c == '$' && dollarTag(body, i) != null) {
                String tag = dollarTag(body, i);
                int close = body.indexOf(tag, i + tag.length());
                end = close < 0 ? n : close + tag.length();
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
        return new ConditionQuery(out.toString(), since);
    }

    /** Maps a 1-based position in {@link #sql()} to the flow's query, or -1 when it lies outside it. */
    static int positionInQuery(int positionInSql) {
        int p = positionInSql - PREFIX.length();
        return p >= 1 ? p : -1;
    }

    private static String stripTrailingSemicolons(String query) {
        String q = query.strip();
        while (q.endsWith(";")) {
            q = q.substring(0, q.length() - 1).strip();
        }
        return q;
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

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
