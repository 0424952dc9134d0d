package com.startyhook.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SignerTest {
    private static final byte[] SECRET = "whsec_test-secret".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "{\"id\":\"42\",\"event\":\"create\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void matchesAKnownAnswerComputedWithOpenssl() {
        // printf '%s' '{"id":"42","event":"create"}1767225600' | openssl dgst -sha256 -hmac 'whsec_test-secret'
        assertThat(Signer.sign(SECRET, BODY, "1767225600"))
                .isEqualTo("51f1ee67529c798da0595caa704b21ae9e420e5ea9c3b240a0ae0e3c15045987");
    }

    @Test
    void signsUtf8BytesOfSecretAndBody() {
        // python3: hmac.new('sécret-ü'.encode(), '{"id":"é"}'.encode() + b'1767225600', hashlib.sha256).hexdigest()
        assertThat(Signer.sign("sécret-ü".getBytes(StandardCharsets.UTF_8),
                "{\"id\":\"é\"}".getBytes(StandardCharsets.UTF_8), "1767225600"))
                .isEqualTo("9583a60dea9d1fbb4f4f3820a59a3422e6b5d17b82419fc264d26d567843e5e8");
    }

    @Test
    void agreesWithTheRecipeOfDesignSection8() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        mac.update(BODY);
        mac.update("1700000000".getBytes(StandardCharsets.UTF_8));
        assertThat(Signer.sign(SECRET, BODY, "1700000000")).isEqualTo(HexFormat.of().formatHex(mac.doFinal()));
    }

    @Test
    void verifierAcceptsAFreshSignatureInAnyHexCase() {
        SignatureVerifier verifier = new SignatureVerifier(Duration.ofMinutes(5), at(1767225600 + 120));
        String signature = "51f1ee67529c798da0595caa704b21ae9e420e5ea9c3b240a0ae0e3c15045987";
        assertThat(verifier.verify(SECRET, BODY, "1767225600", signature).valid()).isTrue();
        assertThat(verifier.verify(SECRET, BODY, "1767225600", signature.toUpperCase()).valid()).isTrue();
    }

    @Test
    void verifierRejectsStaleAndFutureTimestamps() {
        String signature = Signer.sign(SECRET, BODY, "1767225600");
        var stale = new SignatureVerifier(Duration.ofMinutes(5), at(1767225600 + 301)).verify(SECRET, BODY, "1767225600", signature);
        assertThat(stale.valid()).isFalse();
        assertThat(stale.reason()).contains("outside the tolerance");
        var future = new SignatureVerifier(Duration.ofMinutes(5), at(1767225600 - 301)).verify(SECRET, BODY, "1767225600", signature);
        assertThat(future.valid()).isFalse();
        var noTolerance = new SignatureVerifier(null, at(1767225600 + 86_400)).verify(SECRET, BODY, "1767225600", signature);
        assertThat(noTolerance.valid()).isTrue();
    }

    @Test
    void verifierRejectsAlteredBodyWrongSecretAndGarbage() {
        SignatureVerifier verifier = new SignatureVerifier(Duration.ofMinutes(5), at(1767225600));
        String signature = Signer.sign(SECRET, BODY, "1767225600");
        assertThat(verifier.verify(SECRET, "{\"id\":\"43\"}".getBytes(StandardCharsets.UTF_8), "1767225600", signature).valid()).isFalse();
        assertThat(verifier.verify("other".getBytes(StandardCharsets.UTF_8), BODY, "1767225600", signature).valid()).isFalse();
        assertThat(verifier.verify(SECRET, BODY, "1767225601", signature).valid()).as("timestamp is signed").isFalse();
        assertThat(verifier.verify(SECRET, BODY, "1767225600", "zz").reason()).contains("not hexadecimal");
        assertThat(verifier.verify(SECRET, BODY, "yesterday", signature).reason()).contains("not Unix seconds");
        assertThat(verifier.verify(SECRET, BODY, null, signature).reason()).contains("missing X-StartyHook-Timestamp");
    }

    private static Clock at(long epochSecond) {
        return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }
}
