package com.startyhook.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CaptureConfigTest {
    private static final CaptureConfig D = CaptureConfig.defaults();

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> D.withSlotName("My-Slot")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("capture.slot");
        assertThatThrownBy(() -> new CaptureConfig("s", "bad name", D.heartbeatInterval(), D.pollInterval(), 10,
                D.restartBackoff(), D.restartBackoffMax())).hasMessageContaining("capture.publication");
        assertThatThrownBy(() -> D.withPollInterval(Duration.ZERO)).hasMessageContaining("capture.poll-interval");
        assertThatThrownBy(() -> D.withMaxBatchSize(0)).hasMessageContaining("capture.max-batch-size");
        assertThatThrownBy(() -> D.withRestartBackoff(Duration.ofMinutes(5), Duration.ofSeconds(1)))
                .hasMessageContaining("capture.restart-backoff-max");
    }

    @Test
    void debeziumIsConfiguredForAPreparedPublicationWithoutSnapshotAndWithTransactions() {
        CaptureSource source = new CaptureSource("jdbc:postgresql://db.example:6543/erp?sslmode=require", "erp", "pw");
        Properties p = CaptureEngine.properties(source, D, Set.of("erp.document", "erp.product"), "id-1",
                "SELECT pg_logical_emit_message(true, 'startyhook-heartbeat', now()::text)");
        assertThat(p.getProperty("database.hostname")).isEqualTo("db.example");
        assertThat(p.getProperty("database.port")).isEqualTo("6543");
        assertThat(p.getProperty("database.dbname")).isEqualTo("erp");
        assertThat(p.getProperty("database.sslmode")).isEqualTo("require");
        assertThat(p.getProperty("table.include.list"))
                .isEqualTo("erp\\.document,erp\\.product");
        // the connector prepares the publication itself (or uses an administrator's as it is)
        assertThat(p.getProperty("publication.autocreate.mode")).isEqualTo("disabled");
        assertThat(p.getProperty("snapshot.mode")).isEqualTo("no_data");
        assertThat(p.getProperty("provide.transaction.metadata")).isEqualTo("true");
        assertThat(p.getProperty("offset.storage")).isEqualTo(DatabaseOffsetStore.class.getName());
        assertThat(p.getProperty("heartbeat.action.query")).contains("pg_logical_emit_message");
        assertThat(CaptureEngine.properties(source, D, Set.of("erp.document"), "id-1", null))
                .doesNotContainKey("heartbeat.action.query");
        assertThat(p.getProperty("slot.drop.on.stop")).isEqualTo("false");
    }

    @Test
    void theSourceTimeZoneIsAnIanaZoneDefaultingToUtc() {
        assertThat(D.sourceTimeZone()).isEqualTo(java.time.ZoneOffset.UTC);
        assertThat(CaptureConfig.sourceTimeZone("Europe/Paris")).isEqualTo(java.time.ZoneId.of("Europe/Paris"));
        assertThat(CaptureConfig.sourceTimeZone(null)).isEqualTo(java.time.ZoneOffset.UTC);
        assertThatThrownBy(() -> CaptureConfig.sourceTimeZone("Europe/Pariss")).isInstanceOf(ConfigurationException.class)
                .hasMessage("capture.source-time-zone 'Europe/Pariss' is not a time zone; write an IANA zone id such as"
                        + " Europe/Paris or America/New_York, or UTC (the default)");
        assertThatThrownBy(() -> D.withSourceTimeZone(null)).hasMessageContaining("capture.source-time-zone");
    }

    @Test
    void debeziumSendsTheValuesTheValueFormsNeed() {
        Properties p = CaptureEngine.properties(new CaptureSource("jdbc:postgresql://h/erp", "u", null), D,
                Set.of("erp.document"), "id-1", null);
        assertThat(p.getProperty("decimal.handling.mode")).isEqualTo("string");
        assertThat(p.getProperty("interval.handling.mode")).isEqualTo("string");
        assertThat(p.getProperty("column.propagate.source.type")).isEqualTo(".*");
        assertThat(p.getProperty("include.unknown.datatypes")).isEqualTo("true");
    }

    @Test
    void aCaptureSourcePrintsNoPassword() {
        assertThat(new CaptureSource("jdbc:postgresql://h/erp?password=secret", "u", "secret").toString())
                .doesNotContain("secret");
    }
}
