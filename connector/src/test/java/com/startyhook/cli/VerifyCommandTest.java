package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.signing.Signer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
    @TempDir
    Path dir;

    @Test
    void exitsZeroAndPrintsValidForAMatchingSignature() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "whsec_test-secret\n");
        Path body = Files.writeString(dir.resolve("body.json"), "{\"id\":\"42\",\"event\":\"create\"}");
        String now = Long.toString(Instant.now().getEpochSecond());
        String signature = Signer.sign("whsec_test-secret".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(body), now);

        Cli cli = Cli.run("verify", "--secret-file", secret.toString(), "--timestamp", now, "--signature",
                signature.toUpperCase(), "--body", body.toString());
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.out().strip()).isEqualTo("valid");
    }

    @Test
    void theKnownVectorIsValidOnlyWithoutTolerance() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "whsec_test-secret");
        Path body = Files.writeString(dir.resolve("body.json"), "{\"id\":\"42\",\"event\":\"create\"}");
        String[] args = {"verify", "--secret-file", secret.toString(), "--timestamp", "1767225600",
            "--signature", "51f1ee67529c798da0595caa704b21ae9e420e5ea9c3b240a0ae0e3c15045987", "--body", body.toString()};

        Cli stale = Cli.run(args);
        assertThat(stale.exitCode()).isEqualTo(1);
        assertThat(stale.out()).contains("invalid").contains("outside the tolerance");

        String[] relaxed = java.util.Arrays.copyOf(args, args.length + 1);
        relaxed[args.length] = "--no-tolerance";
        Cli ok = Cli.run(relaxed);
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.out().strip()).isEqualTo("valid");
    }

    @Test
    void exitsOneWithTheReasonForATamperedBody() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "whsec_test-secret");
        Path body = Files.writeString(dir.resolve("body.json"), "{\"id\":\"43\",\"event\":\"create\"}");
        Cli cli = Cli.run("verify", "--secret-file", secret.toString(), "--timestamp", "1767225600", "--signature",
                "51f1ee67529c798da0595caa704b21ae9e420e5ea9c3b240a0ae0e3c15045987", "--body", body.toString(),
                "--no-tolerance");
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.out()).contains("does not match");
    }

    @Test
    void aMissingSecretVariableIsAnErrorNamingIt() throws Exception {
        Path body = Files.writeString(dir.resolve("body.json"), "{}");
        Cli cli = Cli.run("verify", "--secret-env", "STARTYHOOK_TEST_UNSET_SECRET", "--timestamp", "1", "--signature",
                "00", "--body", body.toString());
        assertThat(cli.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(cli.err()).contains("STARTYHOOK_TEST_UNSET_SECRET");
    }

    @Test
    void aToleranceCanBeGivenAsADuration() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "k");
        Path body = Files.writeString(dir.resolve("body.json"), "{}");
        String old = Long.toString(Instant.now().minusSeconds(600).getEpochSecond());
        String signature = Signer.sign("k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8), old);
        assertThat(Cli.run("verify", "--secret-file", secret.toString(), "--timestamp", old, "--signature", signature,
                "--body", body.toString(), "--tolerance", "15m").exitCode()).isZero();
        assertThat(Cli.run("verify", "--secret-file", secret.toString(), "--timestamp", old, "--signature", signature,
                "--body", body.toString(), "--tolerance", "5m").exitCode()).isEqualTo(1);
    }

    /** A Standard Webhooks signature made by the official library (Node.js), checked by our verify command. */
    @Test
    void acceptsAStandardWebhooksSignatureMadeByTheOfficialLibraryAndNothingAltered() throws Exception {
        com.startyhook.testsupport.StandardWebhooksLibrary library =
                com.startyhook.testsupport.StandardWebhooksLibrary.require();
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        String whsec = "whsec_" + java.util.Base64.getEncoder().encodeToString(key);
        Path secret = Files.writeString(dir.resolve("sw-secret"), whsec + "\n");
        byte[] bytes = "{\"id\":\"42\",\"event\":\"create\",\"note\":\"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        Path body = Files.write(dir.resolve("sw-body.json"), bytes);
        long now = Instant.now().getEpochSecond();
        String id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
        String signature = library.sign(whsec, id, now, bytes);
        assertThat(signature).startsWith("v1,");

        Cli ok = Cli.run("verify", "--scheme", "standard-webhooks", "--secret-file", secret.toString(), "--id", id,
                "--timestamp", Long.toString(now), "--signature", signature, "--body", body.toString());
        assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out().strip()).isEqualTo("valid");

        Cli otherId = Cli.run("verify", "--scheme", "standard-webhooks", "--secret-file", secret.toString(), "--id",
                id + "x", "--timestamp", Long.toString(now), "--signature", signature, "--body", body.toString());
        assertThat(otherId.exitCode()).isEqualTo(1);
        Cli otherTime = Cli.run("verify", "--scheme", "standard-webhooks", "--secret-file", secret.toString(), "--id",
                id, "--timestamp", Long.toString(now - 1), "--signature", signature, "--body", body.toString());
        assertThat(otherTime.exitCode()).isEqualTo(1);
        bytes[bytes.length - 3] ^= 1;
        Path altered = Files.write(dir.resolve("sw-altered.json"), bytes);
        Cli otherBody = Cli.run("verify", "--scheme", "standard-webhooks", "--secret-file", secret.toString(), "--id",
                id, "--timestamp", Long.toString(now), "--signature", signature, "--body", altered.toString());
        assertThat(otherBody.exitCode()).isEqualTo(1);
        assertThat(otherBody.out()).contains("invalid");
    }

    @Test
    void theSpecificationsKnownAnswerVerifiesWithoutTolerance() throws Exception {
        Path secret = Files.writeString(dir.resolve("kat"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        Path body = Files.writeString(dir.resolve("kat.json"), "{\"test\": 2432232314}");
        Cli cli = Cli.run("verify", "--scheme", "standard-webhooks", "--secret-file", secret.toString(), "--id",
                "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330", "--signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "--body", body.toString(), "--no-tolerance");
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        Cli noId = Cli.run("verify", "--scheme", "standard-webhooks", "--secret-file", secret.toString(),
                "--timestamp", "1614265330", "--signature", "v1,x", "--body", body.toString());
        assertThat(noId.exitCode()).isNotZero();
        assertThat(noId.err()).contains("--id is required");
    }
}
