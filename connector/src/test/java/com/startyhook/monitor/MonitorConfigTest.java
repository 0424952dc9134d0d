package com.startyhook.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MonitorConfigTest {
    @Test
    void defaultsAreValid() {
        assertThat(MonitorConfig.DEFAULTS.threads()).isEqualTo(2);
        assertThat(MonitorConfig.DEFAULTS.defaultTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void eachBadValueNamesItsKey() {
        assertThatThrownBy(() -> new MonitorConfig(0, Duration.ofSeconds(1), 10, 10))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("monitor.threads");
        assertThatThrownBy(() -> new MonitorConfig(1, Duration.ZERO, 10, 10))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("monitor.default-timeout");
        assertThatThrownBy(() -> new MonitorConfig(1, null, 10, 10))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("monitor.default-timeout");
        assertThatThrownBy(() -> new MonitorConfig(1, Duration.ofSeconds(1), 0, 10))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("monitor.fetch-size");
        assertThatThrownBy(() -> new MonitorConfig(1, Duration.ofSeconds(1), 10, -1))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("monitor.batch-size");
    }
}
