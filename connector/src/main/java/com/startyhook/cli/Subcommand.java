package com.startyhook.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What a command that does the work has: its picocli spec (and so the writers it prints to) and
 * the environment it reads settings and secrets from. It returns {@link ExitCodes#OK} or
 * {@link ExitCodes#PROBLEMS} and throws for the rest ({@link ExitCodes} maps exceptions).
 */
abstract class Subcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The environment settings and secrets come from; tests replace it (a package-private seam). */
    Map<String, String> environment = System.getenv();
}
