package com.startyhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "listen", mixinStandardHelpOptions = true,
        description = "Runs a local HTTPS receiver that prints incoming webhooks and checks their signatures.")
final class ListenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("startyhook listen: not implemented yet");
        return ExitCodes.ERROR;
    }
}
