package com.startyhook.monitor;

import com.startyhook.rules.ConditionSql;

/**
 * A condition flow's query as the scan runs it: {@code :since} becomes a JDBC parameter, and the
 * query is wrapped so that its rows arrive ordered by {@code id} as text in byte order, with that
 * text in a first column {@value #ID_COLUMN}: the scan compares rows range by range with the
 * stored fingerprints (same order as the table's index), and sees duplicate ids side by side.
 *
 * <p>The rewriting of {@code :since} belongs to the rules ({@link ConditionSql}); it keeps every
 * position, so a character position in the database's error message maps back to the flow's
 * query by subtracting {@link #PREFIX}'s length.
 */
public record ConditionQuery(String sql, int sinceParameters) {
    /** The element id as the database writes it as text: the sort key, and the id the scan uses. */
    static final String ID_COLUMN = "startyhook_id";
    static final String PREFIX = "SELECT (startyhook_q.id)::text COLLATE \"C\" AS " + ID_COLUMN + ", startyhook_q.* FROM (\n";
    static final String SUFFIX = "\n) AS startyhook_q ORDER BY 1";

    /** The scan's SQL: the flow's query wrapped so that rows come sorted by id, {@code :since} as parameters. */
    static ConditionQuery of(String query) {
        ConditionQuery body = rewrite(query);
        return new ConditionQuery(PREFIX + body.sql() + SUFFIX, body.sinceParameters());
    }

    /**
     * The flow's query as JDBC sees it, unwrapped ({@link ConditionSql}): what validation describes too.
     *
     * @throws IllegalArgumentException when the query holds more than one statement
     */
    public static ConditionQuery rewrite(String query) {
        ConditionSql body = ConditionSql.rewrite(query);
        return new ConditionQuery(body.sql(), body.sinceParameters());
    }

    /** Maps a 1-based position in {@link #sql()} to the flow's query, or -1 when it lies outside it. */
    static int positionInQuery(int positionInSql) {
        int p = positionInSql - PREFIX.length();
        return p >= 1 ? p : -1;
    }
}
