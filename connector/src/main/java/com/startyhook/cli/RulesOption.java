package com.startyhook.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code --rules DIR}, a mixin of every command that reads the rule files. */
final class RulesOption {
    static final Path DEFAULT = Path.of("rules");

    @Option(names = "--rules", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "The rules directory (default: rules, or the rules.dir setting for run).")
    Path given;

    /** The directory given, else {@code rules}. */
    Path dir() {
        return given != null ? given : DEFAULT;
    }
}
