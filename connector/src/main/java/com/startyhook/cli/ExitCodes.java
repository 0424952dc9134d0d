package com.startyhook.cli;

import com.startyhook.StartyHookException;
import picocli.CommandLine;

/**
 * Exit codes shared by every subcommand, and the one place that maps exceptions to them:
 * {@link StartyHookCommand#newCommandLine()} installs {@link ExceptionHandler} on the whole command
 * tree, so a command only returns {@link #OK} or {@link #PROBLEMS} and throws for the rest. A
 * picocli {@code ParameterException} (also one a command throws after checking its options) is
 * {@link #USAGE}; any other exception is {@link #ERROR}, printed as one line (its message for a
 * {@link StartyHookException}, with the stack trace only under {@code -Dstartyhook.debug=true}).
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** The command ran and found a problem (invalid rules, invalid signature...). */
    public static final int PROBLEMS = 1;
    /** Wrong usage: unknown option, missing argument. */
    public static final int USAGE = 2;
    /** The command could not run: configuration, database or I/O error. */
    public static final int ERROR = 3;

    private ExitCodes() {}

    static final class ExceptionHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
            report(e, cl.getErr(), cl.getColorScheme());
            return ERROR;
        }
    }

    /**
     * One line for the user: a {@link StartyHookException}'s message, or for anything else what
     * went wrong in words, never a Java class name; the stack trace only under
     * {@code -Dstartyhook.debug=true}.
     */
    static void report(Throwable e, java.io.PrintWriter err, CommandLine.Help.ColorScheme colors) {
        String message = e instanceof StartyHookException ? e.getMessage() : unexpected(e);
        err.println(colors.errorText("error: " + message));
        if (!(e instanceof StartyHookException) && Boolean.getBoolean("startyhook.debug")) {
            e.printStackTrace(err);
        }
        err.flush();
    }

    private static String unexpected(Throwable e) {
        String what = e instanceof OutOfMemoryError ? "it ran out of memory"
                : e instanceof StackOverflowError ? "its input nests too deeply"
                : e.getMessage() == null || e.getMessage().isBlank() ? "an internal error"
                : e.getMessage().replaceAll("(?:[a-z]+\\.)+[A-Z]\\w*(?:Exception|Error)(?::\\s*)?", "").strip();
        return "the command failed: " + (what.isEmpty() ? "an internal error" : what)
                + " (rerun with -Dstartyhook.debug=true for the details, and report it)";
    }
}
