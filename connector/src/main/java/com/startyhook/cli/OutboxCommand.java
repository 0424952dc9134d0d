package com.startyhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "outbox", mixinStandardHelpOptions = true,
        description = "Inspects the outbox: list and show actions and their attempts, retry and cancel them.")
final class OutboxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("startyhook outbox: not implemented yet");
        return ExitCodes.ERROR;
    }
}
