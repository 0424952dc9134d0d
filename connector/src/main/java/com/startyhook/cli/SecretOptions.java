package com.startyhook.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Where a webhook secret comes from ({@code --secret-env} or {@code --secret-file}), a mixin of {@code listen} and {@code verify}. */
final class SecretOptions {
    @Option(names = "--secret-env", paramLabel = "NAME", description = "environment variable holding the secret")
    String env;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "file holding the secret (instead of --secret-env)")
    Path file;

    /** The secret reference ({@code env:NAME} or {@code file:PATH}), or null when neither option is given. */
    String reference(CommandSpec spec) {
        if (env != null && file != null) {
            throw new ParameterException(spec.commandLine(), "give --secret-env or --secret-file, not both");
        }
        return env != null ? "env:" + env : file != null ? "file:" + file : null;
    }
}
