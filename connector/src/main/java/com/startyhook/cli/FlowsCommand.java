package com.startyhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "flows", mixinStandardHelpOptions = true,
        description = "Lists flows with their state; activates and deactivates them.")
final class FlowsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("startyhook flows: not implemented yet");
        return ExitCodes.ERROR;
    }
}
