package com.startyhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeliveryConfigTest {
    @Test
    void defaultsAreValid() {
        DeliveryConfig config = DeliveryConfig.defaults();
        assertThat(config.workers()).isEqualTo(DeliveryConfig.DEFAULT_WORKERS);
        assertThat(config.allowInsecureUrls()).isFalse();
        assertThat(config.maxResponseExcerpt()).isEqualTo(4096);
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> DeliveryConfig.defaults().withWorkers(0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("delivery.workers");
        assertThatThrownBy(() -> DeliveryConfig.defaults().withPollInterval(Duration.ZERO))
                .hasMessageContaining("delivery.poll-interval");
        assertThatThrownBy(() -> DeliveryConfig.defaults().withJitter(1.5))
                .hasMessageContaining("delivery.retry-jitter");
        assertThatThrownBy(() -> DeliveryConfig.defaults().withCaBundle(Path.of("/nonexistent/ca.pem")))
                .hasMessageContaining("delivery.ca-bundle").hasMessageContaining("/nonexistent/ca.pem");
        assertThatThrownBy(() -> DeliveryConfig.defaults().withShutdownGrace(Duration.ofSeconds(-1)))
                .hasMessageContaining("delivery.shutdown-grace");
    }
}
