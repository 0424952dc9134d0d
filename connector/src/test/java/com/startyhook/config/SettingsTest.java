package com.startyhook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheFileWhichWinsOverDefaults(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("startyhook.properties"),
                "delivery.workers=3\ndelivery.batch-size=7\ndb.schema=from_file\n");
        Settings s = Settings.resolve(Map.of("delivery.workers", "9"),
                Map.of("STARTYHOOK_DELIVERY_WORKERS", "5", "STARTYHOOK_DELIVERY_BATCH_SIZE", "6"), file);
        assertThat(s.integer("delivery.workers", 1, 100)).isEqualTo(9);
        assertThat(s.integer("delivery.batch-size", 1, 100)).isEqualTo(6);
        assertThat(s.string("db.schema")).isEqualTo("from_file");
        assertThat(s.duration("delivery.lease")).isEqualTo(com.startyhook.delivery.DeliveryConfig.DEFAULT_LEASE);
        assertThat(s.source("delivery.workers")).isEqualTo("flag --set delivery.workers");
    }

    @Test
    void badValuesNameTheKeyTheSourceAndTheExpectedForm() {
        Settings s = Settings.resolve(Map.of(), Map.of("STARTYHOOK_DELIVERY_LEASE", "sixty"), null);
        assertThatThrownBy(() -> s.duration("delivery.lease"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("delivery.lease must be a duration")
                .hasMessageContaining("environment STARTYHOOK_DELIVERY_LEASE");
        Settings n = Settings.resolve(Map.of("delivery.workers", "0"), Map.of(), null);
        assertThatThrownBy(() -> n.integer("delivery.workers", 1, 64)).hasMessageContaining("between 1 and 64");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), null).required("db.url"))
                .hasMessageContaining("db.url is required").hasMessageContaining("STARTYHOOK_DB_URL");
    }

    @Test
    void unknownKeysAndSecretsOnTheCommandLineAreRefused(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Settings.resolve(Map.of("delivery.worker", "2"), Map.of(), null))
                .hasMessageContaining("unknown configuration key 'delivery.worker'")
                .hasMessageContaining("did you mean 'delivery.workers'");
        assertThatThrownBy(() -> Settings.resolve(Map.of("db.password", "hunter2"), Map.of(), null))
                .hasMessageContaining("db.password is a secret").hasMessageContaining("STARTYHOOK_DB_PASSWORD")
                .hasMessageNotContaining("hunter2");
        Path file = Files.writeString(dir.resolve("bad.properties"), "retention.deliverd=3d\n");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), file))
                .hasMessageContaining("bad.properties").hasMessageContaining("retention.delivered");
    }

    @Test
    void durationsAndSizes() {
        assertThat(Settings.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Settings.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Settings.parseDuration("PT30S")).isEqualTo(Duration.ofSeconds(30));
        Settings s = Settings.resolve(Map.of("capture.slot-lag-warning", "512MB"), Map.of(), null);
        assertThat(s.bytes("capture.slot-lag-warning")).isEqualTo(512L << 20);
    }
}
