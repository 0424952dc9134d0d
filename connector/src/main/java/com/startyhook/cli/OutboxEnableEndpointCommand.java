package com.startyhook.cli;

import com.startyhook.outbox.Holds;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code outbox enable-endpoint URL}: a disabled endpoint is sent to again; its held actions go, in order. */
@Command(name = "enable-endpoint", mixinStandardHelpOptions = true, description = "Enables a disabled endpoint"
        + " (webhook URL) again: its held actions are sent, in order (those of a paused flow stay held until"
        + " `flows resume`). See `outbox endpoints`.")
final class OutboxEnableEndpointCommand extends OutboxSubcommand {
    @Parameters(paramLabel = "URL", description = "The endpoint's URL, exactly as `outbox endpoints` shows it.")
    String url;

    @Override
    public Integer call() throws Exception {
        Holds.Change c = query(repo -> new Holds(repo.database()).enable(url, FlowsCommand.user()));
        PrintWriter out = spec.commandLine().getOut();
        FlowsCommand.stillRunning(out, c, "outbox enable-endpoint " + url, "may stay held");
        if (!c.changed()) {
            out.println("not disabled: " + url + " (see `startyhook outbox endpoints` for the exact URL)"
                    + (c.actions() > 0 ? "; " + c.actions() + " held action(s) released" : ""));
            out.flush();
            return ExitCodes.PROBLEMS;
        }
        out.println("enabled " + url + ": " + c.actions() + " held action(s) released, in order");
        out.flush();
        return ExitCodes.OK;
    }
}
