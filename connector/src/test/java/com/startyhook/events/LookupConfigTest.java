package com.startyhook.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LookupConfigTest {
    @Test
    void defaultsAndZeroTurnsTheCacheOff() {
        assertThat(LookupConfig.defaults()).isEqualTo(new LookupConfig(10_000, Duration.ofSeconds(60), Duration.ofSeconds(10)));
        assertThat(new LookupConfig(0, Duration.ofSeconds(1), Duration.ofSeconds(1)).cacheSize()).isZero();
    }

    @Test
    void badValuesNameTheKeyAndTheFix() {
        assertThatThrownBy(() -> new LookupConfig(-1, Duration.ofSeconds(60), Duration.ofSeconds(10)))
                .hasMessageContaining("capture.lookup-cache-size").hasMessageContaining("0 (no cache)");
        assertThatThrownBy(() -> new LookupConfig(10, Duration.ZERO, Duration.ofSeconds(10)))
                .hasMessageContaining("capture.lookup-cache-ttl").hasMessageContaining("60s");
        assertThatThrownBy(() -> new LookupConfig(10, Duration.ofSeconds(60), Duration.ofMillis(500)))
                .hasMessageContaining("capture.lookup-timeout").hasMessageContaining("whole seconds");
    }
}
