package com.startyhook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code startyhook} command: one runnable artifact, one subcommand per verb. */
@Command(name = "startyhook",
        mixinStandardHelpOptions = true,
        versionProvider = StartyHookCommand.Version.class,
        description = "Turns changes in an ERP's PostgreSQL database into signed HTTPS webhooks.",
        subcommands = {
            RunCommand.class,
            ValidateCommand.class,
            FlowsCommand.class,
            OutboxCommand.class,
            ListenCommand.class,
            VerifyCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            UninstallCommand.class,
            SetupSqlCommand.class,
            CommandLine.HelpCommand.class
        })
public final class StartyHookCommand implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a command: the usage, on standard error, and exit 2 as for any other wrong usage. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    public static void main(String[] args) {
        CommandLine cl = newCommandLine();
        int exit;
        try {
            exit = cl.execute(args);
        } catch (Throwable e) { // an Error picocli does not hand to the exception handler: still one line, no trace
            ExitCodes.report(e, cl.getErr(), cl.getColorScheme());
            exit = ExitCodes.ERROR;
        }
        System.exit(exit);
    }

    /** The configured command line; tests call {@code execute} on it with captured writers. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new StartyHookCommand());
        cl.setExecutionExceptionHandler(new ExitCodes.ExceptionHandler());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = StartyHookCommand.class.getResourceAsStream("/startyhook/version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"startyhook " + p.getProperty("version", "unknown")};
        }
    }
}
