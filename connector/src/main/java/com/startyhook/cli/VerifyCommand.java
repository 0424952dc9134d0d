package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.signing.Secrets;
import com.startyhook.signing.SignatureVerifier;
import com.startyhook.signing.WireScheme;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks a webhook signature offline (exit 0 and 'valid' when it matches, 1 with the reason "
                + "otherwise).", "Example: startyhook verify --secret-env HOOK_SECRET --timestamp 1767225600 "
                + "--signature 51f1... --body body.json",
            "Standard Webhooks: startyhook verify --scheme standard-webhooks --secret-env HOOK_SECRET --id ID "
                + "--timestamp 1767225600 --signature 'v1,K5oZ...' --body body.json"})
final class VerifyCommand extends Subcommand {
    @Mixin
    SecretOptions secret;

    @Option(names = "--scheme", defaultValue = "seed", paramLabel = "SCHEME",
            description = "seed (X-StartyHook-* headers) or standard-webhooks (webhook-* headers) (default: ${DEFAULT-VALUE})")
    String scheme;

    @Option(names = "--id", paramLabel = "ID", description = "the webhook-id header value (standard-webhooks only)")
    String id;

    @Option(names = "--timestamp", required = true,
            description = "the X-StartyHook-Timestamp (seed) or webhook-timestamp header value")
    String timestamp;

    @Option(names = "--signature", required = true, paramLabel = "SIG",
            description = "the X-StartyHook-Signature (seed: hex) or webhook-signature (v1,base64) header value; "
                    + "several signatures separated by spaces are accepted")
    String signature;

    @Option(names = "--body", required = true, paramLabel = "FILE",
            description = "the raw request body, byte for byte as received")
    Path body;

    @Option(names = "--tolerance", paramLabel = "DURATION", defaultValue = "5m", converter = DurationOption.Converter.class,
            description = "how far the timestamp may be from now (default: ${DEFAULT-VALUE})")
    Duration tolerance;

    @Option(names = "--no-tolerance", description = "do not check the timestamp's age (old captured requests)")
    boolean noTolerance;

    @Override
    public Integer call() {
        String reference = secret.reference(spec);
        if (reference == null) {
            throw new ParameterException(spec.commandLine(), "give the secret: --secret-env NAME or --secret-file FILE");
        }
        WireScheme wire = WireScheme.of(scheme).orElseThrow(() -> new ParameterException(
                spec.commandLine(), "--scheme must be " + String.join(" or ", WireScheme.ids()) + ", not " + scheme));
        if (wire == WireScheme.STANDARD_WEBHOOKS && (id == null || id.isBlank())) {
            throw new ParameterException(spec.commandLine(),
                    "--id is required with --scheme standard-webhooks (the webhook-id header value)");
        }
        if (wire == WireScheme.SEED && id != null) {
            throw new ParameterException(spec.commandLine(),
                    "--id is for --scheme standard-webhooks; the seed scheme does not sign the id");
        }
        byte[] key = wire.key(new Secrets().resolve(reference), reference);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(body);
        } catch (IOException e) {
            // a wrong path is wrong usage (exit 2), like a missing option
            throw new ParameterException(spec.commandLine(), "--body " + body + " cannot be read ("
                    + Secrets.reason(e) + "); give the file holding the raw request body");
        }
        SignatureVerifier verifier = new SignatureVerifier(noTolerance ? null : tolerance, Clock.systemUTC());
        SignatureVerifier.Result result = wire == WireScheme.STANDARD_WEBHOOKS
                ? verifier.verifyStandard(key, bytes, id, timestamp, signature)
                : verifier.verify(key, bytes, timestamp, signature);
        if (result.valid()) {
            spec.commandLine().getOut().println("valid");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        spec.commandLine().getOut().println("invalid: " + result.reason());
        spec.commandLine().getOut().flush();
        return ExitCodes.PROBLEMS;
    }
}
