package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import org.junit.jupiter.api.Test;

class LogFormatTest {
    @Test
    void anUnknownFormatIsRefusedNamingTheKeyAndItsVariable() {
        assertThatThrownBy(() -> LogFormat.apply("yaml")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("log.format").hasMessageContaining("STARTYHOOK_LOG_FORMAT")
                .hasMessageContaining("text or json");
    }

    @Test
    void textIsTheDefaultAndChangesNothing() {
        assertThatCode(() -> LogFormat.apply("text")).doesNotThrowAnyException();
        assertThatCode(() -> LogFormat.apply(null)).doesNotThrowAnyException();
    }
}
