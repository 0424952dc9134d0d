package com.startyhook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConditionQueryTest {
    private static String body(ConditionQuery q) {
        return q.sql().substring(ConditionQuery.PREFIX.length(), q.sql().length() - ConditionQuery.SUFFIX.length());
    }

    @Test
    void sinceBecomesAParameterOfTheSameLength() {
        String sql = "SELECT id FROM erp.stock_movement WHERE created_at >= :since AND x < :since";
        ConditionQuery q = ConditionQuery.of(sql);
        assertThat(q.sinceParameters()).isEqualTo(2);
        assertThat(body(q)).isEqualTo("SELECT id FROM erp.stock_movement WHERE created_at >= ?      AND x < ?     ")
                .hasSameSizeAs(sql);
    }

    @Test
    void sinceInsideLiteralsCommentsCastsAndLongerNamesIsLeftAlone() {
        String sql = "SELECT id, ':since' AS a, \":since\" AS b, $$ :since $$ AS c, $t$ :since $t$ AS d,"
                + " E'\\' :since' AS e, x::since, :sincere -- :since\n /* /* :since */ :since */ FROM t";
        ConditionQuery q = ConditionQuery.of(sql);
        assertThat(q.sinceParameters()).isZero();
        assertThat(body(q)).isEqualTo(sql);
    }

    @Test
    void trailingSemicolonsAreDroppedAndRowsAreOrderedById() {
        ConditionQuery q = ConditionQuery.of("  SELECT id FROM t ;; \n");
        assertThat(q.sql()).isEqualTo("SELECT (startyhook_q.id)::text COLLATE \"C\" AS startyhook_id, startyhook_q.*"
                + " FROM (\nSELECT id FROM t\n) AS startyhook_q ORDER BY 1");
    }

    @Test
    void aLiteralQuestionMarkReachesPostgresqlAsItself() {
        assertThat(body(ConditionQuery.of("SELECT id FROM t WHERE attrs ? 'color' AND s = '?'")))
                .isEqualTo("SELECT id FROM t WHERE attrs ?? 'color' AND s = '?'");
    }

    @Test
    void errorPositionsMapBackToTheQuery() {
        assertThat(ConditionQuery.positionInQuery(ConditionQuery.PREFIX.length() + 8)).isEqualTo(8);
        assertThat(ConditionQuery.positionInQuery(3)).isEqualTo(-1);
    }

    @Test
    void aSecondStatementIsRefusedButSemicolonsInLiteralsAndATrailingOneAreFine() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConditionQuery.rewrite(
                        "SELECT 1 AS id; COMMIT; DELETE FROM erp.product"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("remove the ';' at position 15");
        org.assertj.core.api.Assertions.assertThat(ConditionQuery.rewrite("SELECT 1 AS id, 'a;b' AS t -- x;y\n;").sql())
                .isEqualTo("SELECT 1 AS id, 'a;b' AS t -- x;y");
    }
}
