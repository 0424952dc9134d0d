package com.startyhook.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import com.startyhook.config.Settings;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** capture.source-time-zone reaches both capture and the monitor; a bad zone stops the start naming the key. */
class SourceTimeZoneSettingTest {
    private static ConnectorSettings settings(Map<String, String> flags) {
        return ConnectorSettings.from(Settings.resolve(flags, Map.of(), null));
    }

    @Test
    void defaultsToUtcAndReachesCaptureAndTheMonitor() {
        ConnectorSettings d = settings(Map.of("db.url", "jdbc:postgresql://h/erp"));
        assertThat(d.capture().sourceTimeZone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(d.monitor().sourceTimeZone()).isEqualTo(ZoneId.of("UTC"));
        ConnectorSettings paris = settings(Map.of("db.url", "jdbc:postgresql://h/erp",
                "capture.source-time-zone", "Europe/Paris"));
        assertThat(paris.capture().sourceTimeZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(paris.monitor().sourceTimeZone()).isEqualTo(ZoneId.of("Europe/Paris"));
    }

    @Test
    void aBadZoneIsAConfigurationErrorNamingTheKeyAndAnExample() {
        assertThatThrownBy(() -> settings(Map.of("db.url", "jdbc:postgresql://h/erp",
                "capture.source-time-zone", "CET+1"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("capture.source-time-zone 'CET+1'").hasMessageContaining("Europe/Paris");
    }
}
