package com.startyhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs everything on an embedded PostgreSQL with the demo ERP, example flows, a local receiver and simulated activity.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("startyhook demo: not implemented yet");
        return ExitCodes.ERROR;
    }
}
