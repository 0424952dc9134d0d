package com.startyhook.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.ParenthesedStatement;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.StatementVisitor;
import net.sf.jsqlparser.statement.Statements;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Checks a condition query offline, with a real SQL parser (JSqlParser): exactly one statement, a
 * {@code SELECT} (or {@code WITH … SELECT}, {@code VALUES}, a set operation) with no data-modifying
 * part anywhere ({@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE} in a {@code WITH}),
 * no {@code SELECT … INTO} and no row locks ({@code FOR UPDATE}). The monitor still runs every scan
 * in a READ ONLY transaction with a statement timeout: this check tells the editor early, it is not
 * the only guard.
 *
 * <p>When the parser does not understand a query (PostgreSQL has syntax it does not know) the query
 * is checked lexically instead, conservatively, and a warning says so; {@code validate --db} then
 * has PostgreSQL itself describe it. Unbalanced or very deep parentheses are refused before parsing
 * (they make the parser backtrack for seconds).
 */
final class QueryShape {
    static final int MAX_PARENTHESES_DEPTH = 30;
    private static final List<String> MODIFYING = List.of("insert", "update", "delete", "merge", "truncate", "copy",
            "create", "drop", "alter", "grant", "revoke", "call", "do", "lock", "vacuum", "set", "reset", "notify", "into");

    /** The verdict: an error (the query is refused), or a warning (accepted, but checked lexically only), or neither. */
    record Verdict(String error, String warning) {
        static final Verdict OK = new Verdict(null, null);
    }

    private QueryShape() {}

    static Verdict check(String query) {
        Lexed lexed = Lexed.of(query);
        if (lexed.error != null) {
            return new Verdict(lexed.error, null);
        }
        if (lexed.statements > 1) {
            return new Verdict("the query holds " + lexed.statements + " statements; a condition query is exactly one "
                    + "SELECT (a second statement could leave the read-only transaction)", null);
        }
        if (lexed.words.isEmpty() || !List.of("select", "with", "values", "table").contains(lexed.words.get(0))) {
            return new Verdict("the query must be a read-only SELECT (or WITH ... SELECT), it starts with "
                    + (lexed.words.isEmpty() ? "nothing" : Limits.shown(lexed.words.get(0).toUpperCase(Locale.ROOT))), null);
        }
        Statements parsed;
        try {
            CCJSqlParser parser = CCJSqlParserUtil.newParser(query).withAllowComplexParsing(false);
            parsed = parser.Statements();
        } catch (Exception | StackOverflowError e) {
            return lexically(lexed, "the SQL parser does not understand it (" + firstLine(e.getMessage()) + ")");
        }
        List<Statement> statements = parsed.stream().filter(s -> s != null).toList();
        if (statements.size() != 1) {
            return new Verdict("the query holds " + statements.size() + " statements; a condition query is exactly one "
                    + "SELECT (a second statement could leave the read-only transaction)", null);
        }
        Statement statement = statements.get(0);
        if (!(statement instanceof Select select)) {
            return new Verdict("the query is a " + kind(statement) + " statement, not a SELECT", null);
        }
        Modifications found = new Modifications();
        try {
            select.accept((StatementVisitor<Void>) found, null);
        } catch (RuntimeException | StackOverflowError e) {
            return lexically(lexed, "the SQL parser could not walk it");
        }
        if (!found.kinds.isEmpty()) {
            return new Verdict("the query modifies data (" + String.join(", ", found.kinds)
                    + " in a WITH); a condition query only reads", null);
        }
        if (select instanceof PlainSelect p) {
            if (p.getIntoTables() != null && !p.getIntoTables().isEmpty()) {
                return new Verdict("SELECT ... INTO creates a table; a condition query only reads", null);
            }
            if (p.getForMode() != null) {
                return new Verdict("the query locks rows (FOR " + p.getForMode() + "); a condition query only reads", null);
            }
        }
        return Verdict.OK;
    }

    /**
     * Checks a SQL boolean expression that the connector puts after {@code WHERE} (the {@code --where} of
     * {@code flows backfill}): balanced parentheses that never close one it did not open, no ';', and,
     * read as {@code SELECT 1 WHERE (expression)}, a read-only query by {@link #check}.
     */
    static Verdict checkCondition(String expression) {
        if (expression == null || expression.isBlank()) {
            return new Verdict("the expression is empty; give a SQL boolean expression such as status = 'open'", null);
        }
        Lexed lexed = Lexed.of(expression);
        if (lexed.error != null) {
            return new Verdict(lexed.error.replace("the query", "the expression"), null);
        }
        if (lexed.semicolons > 0) {
            return new Verdict("the expression holds a ';'; give one SQL boolean expression, without ';'", null);
        }
        if (lexed.questionMarks > 0) {
            return new Verdict("the expression holds a '?' outside a string, which the database driver would take for a"
                    + " parameter; write jsonb's ? operators as functions, e.g. jsonb_exists(data, 'key')", null);
        }
        if (lexed.words.contains("select") || lexed.words.contains("with")) {
            Verdict v = check("SELECT 1 WHERE (" + expression + ")");
            return v.error() == null ? v : new Verdict(v.error().replace("the query", "the expression")
                    .replace("a condition query", "a --where expression"), null);
        }
        try {
            CCJSqlParserUtil.parseCondExpression(expression, false);
        } catch (Exception | StackOverflowError e) {
            return lexically(lexed, "the SQL parser does not understand it (" + firstLine(e.getMessage()) + ")");
        }
        return Verdict.OK;
    }

    /** The fallback: refuse any word of a data-modifying statement outside strings, quoted names and comments. */
    private static Verdict lexically(Lexed lexed, String why) {
        for (String w : lexed.words) {
            if (MODIFYING.contains(w)) {
                return new Verdict(why + "; read without it, the query holds the word " + w.toUpperCase(Locale.ROOT)
                        + ", so it may modify data; a condition query only reads", null);
            }
        }
        return new Verdict(null, why + ": checked for a single read-only statement word by word only; validate --db "
                + "has PostgreSQL describe it, and scans run it READ ONLY");
    }

    private static String kind(Statement s) {
        String name = s.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(Locale.ROOT);
        return name.startsWith("PARENTHESED ") ? name.substring(12) : name;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        String m = message.replaceFirst("^(?:[a-z]+\\.)+[A-Z]\\w*:\\s*", "").lines().findFirst().orElse("").strip();
        m = m.replaceAll("\\s+", " ");
        return m.length() > 120 ? m.substring(0, 120) + "…" : m;
    }

    /**
     * Collects every data-modifying statement in the tree, at any depth: in PostgreSQL a SELECT can
     * only hold one as a WITH item (a WITH inside a subquery too), and the finder visits them all.
     */
    private static final class Modifications extends TablesNamesFinder<Void> {
        final List<String> kinds = new ArrayList<>();

        Modifications() {
            init(false);
        }

        @Override
        public <S> Void visit(WithItem<?> withItem, S context) {
            // the finder's own visit assumes every WITH item is a SELECT; look at what it really is
            ParenthesedStatement s = withItem.getParenthesedStatement();
            String kind = s instanceof Delete ? "DELETE" : s instanceof Update ? "UPDATE" : s instanceof Insert ? "INSERT"
                    : s instanceof Merge ? "MERGE" : null;
            if (kind != null) {
                if (!kinds.contains(kind)) {
                    kinds.add(kind);
                }
                return null;
            }
            return s == null ? null : s.accept((StatementVisitor<Void>) this, context);
        }
    }

    /**
     * The query read as PostgreSQL's lexer would, roughly: strings ('…', E'…', $tag$…$tag$), quoted
     * names and comments skipped; the lower-cased words outside them; how many statements the
     * semicolons separate; parentheses balanced and not nested too deep.
     */
    private static final class Lexed {
        final List<String> words = new ArrayList<>();
        int statements;
        int semicolons;
        int questionMarks;
        String error;

        static Lexed of(String q) {
            Lexed l = new Lexed();
            int depth = 0;
            boolean content = false;
            int n = q.length();
            int i = 0;
            while (i < n && l.error == null) {
                char c = q.charAt(i);
                int end = ConditionSql.endOfOpaque(q, i);
                if (end > i) {
                    content |= !(q.startsWith("--", i) || q.startsWith("/*", i)); // a comment is no content
                    i = end;
                    continue;
                }
                if (c == ';') {
                    l.semicolons++;
                    if (depth != 0) {
                        l.error = "unbalanced parentheses before the ';' at position " + (i + 1);
                    }
                    if (content) {
                        l.statements++;
                    }
                    content = false;
                    i++;
                } else if (c == '(' || c == ')') {
                    depth += c == '(' ? 1 : -1;
                    if (depth < 0) {
                        l.error = "a ')' without its '(' at position " + (i + 1);
                    } else if (depth > MAX_PARENTHESES_DEPTH) {
                        l.error = "parentheses nested more than " + MAX_PARENTHESES_DEPTH + " deep";
                    }
                    content = true;
                    i++;
                } else if (Character.isLetter(c) || c == '_') {
                    int start = i;
                    while (i < n && isIdentifierChar(q.charAt(i))) {
                        i++;
                    }
                    l.words.add(q.substring(start, i).toLowerCase(Locale.ROOT));
                    content = true;
                } else {
                    if (!Character.isWhitespace(c)) {
                        content = true;
                    }
                    if (c == '?') {
                        l.questionMarks++;
                    }
                    i++;
                }
            }
            if (content) {
                l.statements++;
            }
            if (l.error == null && depth != 0) {
                l.error = "unbalanced parentheses: " + depth + " '(' not closed";
            }
            if (l.error != null) {
                l.error = "the query is not valid SQL: " + l.error;
            }
            return l;
        }

        private static boolean isIdentifierChar(char c) {
            return ConditionSql.isIdentifierChar(c);
        }
    }
}
