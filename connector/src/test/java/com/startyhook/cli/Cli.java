package com.startyhook.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs the real command line with captured writers. */
record Cli(int exitCode, String out, String err) {
    static Cli run(String... args) {
        return run(null, args);
    }

    /**
     * Runs {@code args} with {@code environment} as every subcommand's environment (null: the
     * process's own).
     */
    static Cli run(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        if (environment != null) {
            setEnvironment(cl, environment);
        }
        int code = cl.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    private static void setEnvironment(CommandLine cl, Map<String, String> environment) {
        if (cl.getCommand() instanceof Subcommand s) {
            s.environment = environment;
        }
        cl.getSubcommands().values().forEach(sub -> setEnvironment(sub, environment));
    }

    /** Everything the command printed. */
    String all() {
        return out + err;
    }
}
