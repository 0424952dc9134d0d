package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The offline check of a backfill's --where: row filters pass, anything that leaves the expression does not. */
class WhereClauseTest {
    @Test
    void rowFiltersPass() {
        for (String w : List.of("amount >= 100", "status = 'open' AND created_at >= '2026-01-01'",
                "status IN ('a', 'b') OR note IS NULL", "name = 'it''s; fine'", "orders.id % 2 = 0",
                "EXISTS (SELECT 1 FROM erp.customer c WHERE c.id = customer_id)", "data @@ 'x'::tsquery")) {
            assertThat(WhereClause.problem(w)).as(w).isNull();
        }
    }

    @Test
    void whatLeavesTheExpressionOrWritesIsRefusedNamingTheProblem() {
        assertThat(WhereClause.problem("amount > 1; DROP TABLE shop.orders")).contains("';'");
        assertThat(WhereClause.problem("true) OR (true")).contains("a ')' without its '('");
        assertThat(WhereClause.problem("(amount > 1")).contains("not closed");
        assertThat(WhereClause.problem("EXISTS (WITH d AS (DELETE FROM t RETURNING 1) SELECT 1 FROM d)"))
                .contains("DELETE");
        assertThat(WhereClause.problem("data ? 'key'")).contains("jsonb_exists(data, 'key')");
        assertThat(WhereClause.problem("note = '?'")).as("in a string it is text").isNull();
        assertThat(WhereClause.problem("  ")).contains("empty");
        assertThat(WhereClause.problem("a = 1 AND ".repeat(1000) + "true")).contains("characters long");
    }
}
