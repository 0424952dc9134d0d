package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The offline check of a condition query's shape: no false alarms on real queries, no way around it. */
class QueryShapeTest {
    @Test
    void readOnlyQueriesPassWithoutAWord() {
        for (String q : List.of(
                "SELECT p.id AS id, sum(m.qty) AS stock FROM erp.product p JOIN erp.stock_movement m ON m.product_id = p.id GROUP BY p.id",
                "SELECT m.id FROM erp.stock_movement m WHERE m.created_at >= :since",
                "WITH x AS (SELECT 1 AS id) SELECT * FROM x",
                "-- a comment with DELETE; and DROP\nSELECT 1 AS id",
                "SELECT ';' AS id, 'DROP TABLE x; --' AS note",
                "SELECT 1 AS id /* ; DELETE */",
                "SELECT 1 AS id;",
                "(SELECT 1 AS id) UNION (SELECT 2)")) {
            assertThat(QueryShape.check(q)).as(q).isEqualTo(QueryShape.Verdict.OK);
        }
    }

    @Test
    void postgresSyntaxTheParserDoesNotKnowIsAWarningWhenItReadsOnly() {
        for (String q : List.of("SELECT $body$ ; DELETE $body$ AS id, data @@ 'x'::tsquery FROM erp.document",
                "SELECT id FROM erp.product WHERE name = E'it\\'s; fine'")) {
            QueryShape.Verdict v = QueryShape.check(q);
            assertThat(v.error()).as(q).isNull();
        }
    }

    @Test
    void writesAndSecondStatementsAreRefused() {
        for (String q : List.of(
                "SELECT 1 AS id; DROP TABLE erp.product",
                "SELECT 1 AS id; SELECT 2 AS id",
                "WITH d AS (DELETE FROM erp.product RETURNING id) SELECT id FROM d",
                "WITH u AS (UPDATE erp.product SET name = 'x' RETURNING id) SELECT id FROM u",
                "WITH i AS (INSERT INTO erp.product (name) VALUES ('x') RETURNING id) SELECT id FROM i",
                "SELECT id FROM (WITH d AS (DELETE FROM erp.product RETURNING id) SELECT id FROM d) s",
                "SELECT id INTO t FROM erp.product",
                "SELECT id FROM erp.product FOR UPDATE",
                "DELETE FROM erp.product RETURNING id",
                "UPDATE erp.product SET name = 'x' RETURNING id",
                "TRUNCATE erp.product",
                "SELECT (1 AS id",
                "SELECT 1) AS id",
                "",
                "-- only a comment")) {
            assertThat(QueryShape.check(q).error()).as(q).isNotNull();
        }
    }
}
