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
}
