package com.startyhook.rules;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * The tables a condition query reads, as written in it (schema-qualified when it qualifies them),
 * for the grants an administrator gives the connector's role ({@code startyhook setup-sql}).
 */
public final class QueryTables {
    private QueryTables() {}

    /** The tables {@code query} reads (names of its WITH items excluded), or empty when the parser cannot read it. */
    public static Optional<Set<String>> of(String query) {
        if (QueryShape.check(query).error() != null) {
            return Optional.empty();
        }
        try {
            Statement statement = CCJSqlParserUtil.newParser(query).withAllowComplexParsing(false).Statement();
            return Optional.of(new TreeSet<>(TablesNamesFinder.findTables(statement.toString())));
        } catch (Exception | StackOverflowError e) {
            return Optional.empty();
        }
    }
}
