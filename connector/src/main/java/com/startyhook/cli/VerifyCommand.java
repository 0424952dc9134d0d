package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.signing.Secrets;
import com.startyhook.signing.SignatureVerifier;
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
                + "--signature 51f1... --body body.json"})
final class VerifyCommand extends Subcommand {
    @Mixin
    SecretOptions secret;

    @Option(names = "--timestamp", required = true, description = "the X-StartyHook-Timestamp header value")
    String timestamp;

    @Option(names = "--signature", required = true, paramLabel = "HEX",
            description = "the X-StartyHook-Signature header value")
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
        byte[] key = new Secrets().resolve(reference);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(body);
        } catch (IOException e) {
            throw new ConfigurationException("--body " + body + " cannot be read (" + e.getClass().getSimpleName()
                    + "); give the file holding the raw request body");
        }
        SignatureVerifier verifier = new SignatureVerifier(noTolerance ? null : tolerance, Clock.systemUTC());
        SignatureVerifier.Result result = verifier.verify(key, bytes, timestamp, signature);
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
