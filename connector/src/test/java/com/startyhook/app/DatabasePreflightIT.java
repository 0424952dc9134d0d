package com.startyhook.app;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import com.startyhook.testsupport.PostgresExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DatabasePreflightIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void aSuperuserOnALogicalDatabasePasses() throws Exception {
        try (Connection c = PG.connect()) {
            assertThatCode(() -> DatabasePreflight.check(c)).doesNotThrowAnyException();
        }
    }

    @Test
    void aRoleWithoutReplicationIsRefusedWithTheStatementToRun() throws Exception {
        PG.execute("DROP ROLE IF EXISTS reader_only; CREATE ROLE reader_only LOGIN PASSWORD 'pw'");
        try (Connection c = DriverManager.getConnection(PG.jdbcUrl(), "reader_only", "pw")) {
            assertThatThrownBy(() -> DatabasePreflight.check(c))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("ALTER ROLE reader_only REPLICATION;");
        } finally {
            PG.execute("DROP ROLE reader_only");
        }
    }
}
