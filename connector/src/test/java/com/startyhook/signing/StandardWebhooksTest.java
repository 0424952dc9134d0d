package com.startyhook.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known answers of the Standard Webhooks specification's reference libraries (the vector of their
 * JavaScript and Python test suites: secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id
 * msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330, body {"test": 2432232314}).
 */
class StandardWebhooksTest {
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final String TIMESTAMP = "1614265330";
    static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    static final String EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    static byte[] key(String secret) {
        return WireScheme.STANDARD_WEBHOOKS.key(secret.getBytes(StandardCharsets.UTF_8), "env:TEST");
    }

    static SignatureVerifier at(String timestamp) {
        return new SignatureVerifier(SignatureVerifier.DEFAULT_TOLERANCE,
                Clock.fixed(Instant.ofEpochSecond(Long.parseLong(timestamp)), ZoneOffset.UTC));
    }

    @Test
    void signsTheReferenceLibrariesKnownAnswer() {
        assertThat(StandardWebhooks.sign(key(SECRET), ID, TIMESTAMP, BODY)).isEqualTo(EXPECTED);
    }

    @Test
    void verifiesTheKnownAnswerAndRefusesEveryAlteration() {
        SignatureVerifier v = at(TIMESTAMP);
        assertThat(v.verifyStandard(key(SECRET), BODY, ID, TIMESTAMP, EXPECTED).valid()).isTrue();
        assertThat(v.verifyStandard(key(SECRET), BODY, ID + "x", TIMESTAMP, EXPECTED).valid()).isFalse();
        assertThat(at("1614265331").verifyStandard(key(SECRET), BODY, ID, "1614265331", EXPECTED).valid()).isFalse();
        byte[] altered = BODY.clone();
        altered[3] ^= 1;
        assertThat(v.verifyStandard(key(SECRET), altered, ID, TIMESTAMP, EXPECTED).reason())
                .contains("no signature matches");
        assertThat(v.verifyStandard(key("whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), BODY, ID, TIMESTAMP, EXPECTED)
                .valid()).isFalse();
    }

    @Test
    void oneMatchingSignatureOfSeveralIsEnoughAndOtherVersionsAreIgnored() {
        SignatureVerifier v = at(TIMESTAMP);
        String list = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,abc " + EXPECTED;
        assertThat(v.verifyStandard(key(SECRET), BODY, ID, TIMESTAMP, list).valid()).isTrue();
        assertThat(v.verifyStandard(key(SECRET), BODY, ID, TIMESTAMP, "v2," + EXPECTED.substring(3)).reason())
                .contains("no v1 signature");
    }

    @Test
    void theTimestampToleranceApplies() {
        SignatureVerifier later = at("1614266000");
        assertThat(later.verifyStandard(key(SECRET), BODY, ID, TIMESTAMP, EXPECTED).reason()).contains("tolerance");
    }

    @Test
    void aWhsecSecretIsBase64AndAnyOtherIsItsUtf8Bytes() {
        assertThat(key("whsec_AQID")).containsExactly(1, 2, 3);
        assertThat(key("plain secret")).isEqualTo("plain secret".getBytes(StandardCharsets.UTF_8));
        assertThat(WireScheme.SEED.key("whsec_AQID".getBytes(StandardCharsets.UTF_8), "env:X"))
                .as("the seed scheme keeps its raw bytes").isEqualTo("whsec_AQID".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> key("whsec_not base64!")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("env:TEST").hasMessageNotContaining("not base64!");
    }

    @Test
    void theSeedSchemeAcceptsAListOfSignaturesDuringARotation() {
        byte[] oldKey = "old-secret".getBytes(StandardCharsets.UTF_8);
        byte[] newKey = "new-secret".getBytes(StandardCharsets.UTF_8);
        String header = Signer.sign(newKey, BODY, TIMESTAMP) + " " + Signer.sign(oldKey, BODY, TIMESTAMP);
        SignatureVerifier v = at(TIMESTAMP);
        assertThat(v.verify(oldKey, BODY, TIMESTAMP, header).valid()).as("a receiver knowing only the old").isTrue();
        assertThat(v.verify(newKey, BODY, TIMESTAMP, header).valid()).as("a receiver knowing only the new").isTrue();
        assertThat(v.verify("other".getBytes(StandardCharsets.UTF_8), BODY, TIMESTAMP, header).valid()).isFalse();
    }

    @Test
    void signingRefsRoundTripAndTheDefaultStaysAPlainReference() {
        assertThat(SigningRef.seed("env:A").encode()).isEqualTo("env:A");
        assertThat(SigningRef.decode("env:A")).isEqualTo(SigningRef.seed("env:A"));
        SigningRef rotation = new SigningRef(WireScheme.STANDARD_WEBHOOKS, List.of("env:NEW", "file:/run/old"));
        assertThat(rotation.encode()).isEqualTo("{\"scheme\":\"standard-webhooks\",\"secrets\":[\"env:NEW\",\"file:/run/old\"]}");
        assertThat(SigningRef.decode(rotation.encode())).isEqualTo(rotation);
        SigningRef seedTwo = new SigningRef(WireScheme.SEED, List.of("env:NEW", "env:OLD"));
        assertThat(SigningRef.decode(seedTwo.encode())).isEqualTo(seedTwo);
    }
}
