package com.startyhook.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.testsupport.PostgresExtension;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MigrationsIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();

    @Test
    void migrationsApplyToAnEmptyDatabaseAndAreANoOpTheSecondTime() throws Exception {
        try (Database db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "startyhook", 2)) {
            MigrateResult first = db.migrate();
            assertThat(first.migrationsExecuted).isGreaterThanOrEqualTo(2);
            MigrateResult second = db.migrate();
            assertThat(second.migrationsExecuted).isZero();
        }
        assertThat(PG.count("information_schema.tables WHERE table_schema = 'startyhook' AND table_name = 'action'"))
                .isEqualTo(1);
        assertThat(PG.queryValue("SELECT current_setting('wal_level')")).isEqualTo("logical");
    }

    /** Migrations run with their own, long statement bound (an index over a big outbox), pooled connections with 30 s. */
    @Test
    void migrationsRunWithTheirOwnStatementBoundAndThePoolWithItsOwn() throws Exception {
        try (Database db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "startyhook", 2);
                java.sql.Connection m = db.migrationDataSource().getConnection();
                java.sql.Connection p = db.connection()) {
            assertThat(value(m, "SHOW statement_timeout")).isEqualTo("1h");
            assertThat(value(m, "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"))
                    .isEqualTo("startyhook-migrations");
            assertThat(value(p, "SHOW statement_timeout")).isEqualTo("30s");
        }
    }

    private static String value(java.sql.Connection c, String sql) throws java.sql.SQLException {
        try (var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void schemaNameIsConfigurable() throws Exception {
        try (Database db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "hooks_custom", 2)) {
            db.migrate();
        }
        assertThat(PG.count("information_schema.tables WHERE table_schema = 'hooks_custom' AND table_name = 'attempt'"))
                .isEqualTo(1);
        assertThat(PG.count("information_schema.views WHERE table_schema = 'hooks_custom' AND table_name = 'stuck_actions'"))
                .isEqualTo(1);
    }

    @Test
    void troubleshootingViewsAnswerOnAnOutboxWithActions() throws Exception {
        try (Database db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "startyhook", 2)) {
            db.migrate();
        }
        PG.execute("""
                INSERT INTO startyhook.action (message_id, dedup_key, flow_name, action_index, entity, element_id,
                    event, source, url, secret_ref, timeout_ms, retry_schedule_ms, payload, status, attempts,
                    next_attempt_at)
                VALUES (gen_random_uuid(), 'k1', 'f', 0, 'invoice', '42', 'confirm', 'event', 'https://x', 'env:S',
                    1000, '{1000}', '{}', 'pending', 1, now() - interval '5 minutes');
                INSERT INTO startyhook.attempt (action_id, attempt_no, started_at, duration_ms, http_status, outcome)
                SELECT id, 1, now(), 12, 500, 'retry' FROM startyhook.action WHERE dedup_key = 'k1';
                """);
        assertThat(PG.queryValue("SELECT reason FROM startyhook.stuck_actions WHERE element_id = '42'"))
                .isEqualTo("retrying");
        assertThat(PG.queryValue("SELECT failed_attempts FROM startyhook.flow_failures_last_hour WHERE flow_name = 'f'"))
                .isEqualTo(1L);
        assertThat(PG.count("startyhook.element_history WHERE entity = 'invoice' AND element_id = '42'")).isEqualTo(1);
    }

    @Test
    void everyTroubleshootingQueryRunsAgainstTheSchema() throws Exception {
        try (Database db = new Database(PG.jdbcUrl(), PG.user(), PG.password(), "startyhook", 2)) {
            db.migrate();
        }
        String script = java.nio.file.Files.readString(java.nio.file.Path.of("../sql/troubleshooting.sql"));
        int results = 0;
        try (var c = PG.connect(); var s = c.createStatement()) {
            boolean isResult = s.execute(script);
            while (isResult || s.getUpdateCount() != -1) {
                if (isResult) {
                    results++;
                }
                isResult = s.getMoreResults();
            }
        }
        assertThat(results).isEqualTo(11);
    }
}
