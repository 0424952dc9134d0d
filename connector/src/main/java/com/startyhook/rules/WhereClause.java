package com.startyhook.rules;

/**
 * A SQL boolean expression that selects rows of an entity's table (the {@code --where} of
 * {@code flows backfill}), checked offline as strictly as condition queries are: one expression, balanced
 * parentheses, no ';', nothing that modifies data. It still runs only in READ ONLY transactions with a
 * statement timeout, and the backfill has PostgreSQL check it against the table before its first page.
 */
public final class WhereClause {
    /** Longer expressions are refused: a filter of rows, not a program. */
    public static final int MAX_LENGTH = 4_000;

    private WhereClause() {}

    /** Why {@code expression} is refused, or null when it is accepted. */
    public static String problem(String expression) {
        if (expression != null && expression.length() > MAX_LENGTH) {
            return "the expression is " + expression.length() + " characters long, more than the " + MAX_LENGTH
                    + " allowed; select the rows with a shorter expression";
        }
        return QueryShape.checkCondition(expression).error();
    }
}
