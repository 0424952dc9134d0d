package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactHeadersTest {
    @Test
    void credentialLikeHeaderValuesAreHiddenOthersShown() {
        String shown = OutboxCommand.redactHeaders(
                "{\"Authorization\": \"Bearer abc123\", \"X-Api-Key\": \"k-999\", \"X-Tenant\": \"acme\"}");
        assertThat(shown).contains("\"X-Tenant\":\"acme\"").contains("\"Authorization\":\"***\"")
                .contains("\"X-Api-Key\":\"***\"").doesNotContain("abc123").doesNotContain("k-999");
    }
}
