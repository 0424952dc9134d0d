package com.startyhook.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
    @Test
    void resolvesEnvironmentAndFileReferences(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "from-file\n");
        Secrets secrets = new Secrets(Map.of("HOOK_SECRET", "from-env"));
        assertThat(new String(secrets.resolve("env:HOOK_SECRET"), StandardCharsets.UTF_8)).isEqualTo("from-env");
        assertThat(new String(secrets.resolve("file:" + file), StandardCharsets.UTF_8)).isEqualTo("from-file");
    }

    @Test
    void unresolvableReferencesNameTheReferenceAndTheFixButNeverAValue() {
        Secrets secrets = new Secrets(Map.of("OTHER", "s3cr3t-value"));
        assertThatThrownBy(() -> secrets.resolve("env:MISSING"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("env:MISSING").hasMessageContaining("MISSING is not set")
                .hasMessageNotContaining("s3cr3t-value");
        assertThatThrownBy(() -> secrets.resolve("file:/nonexistent/secret"))
                .hasMessageContaining("cannot read /nonexistent/secret");
        assertThatThrownBy(() -> secrets.resolve("s3cr3t-value"))
                .hasMessageContaining("env:NAME or file:PATH").hasMessageNotContaining("s3cr3t-value");
    }
}
