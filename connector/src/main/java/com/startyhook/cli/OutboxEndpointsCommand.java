package com.startyhook.cli;

import com.startyhook.outbox.Holds;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outbox endpoints}: the webhook URLs that failed, with their state and what a disabled one holds. */
@Command(name = "endpoints", mixinStandardHelpOptions = true,
        description = {"Lists the endpoints (webhook URLs) that have failed: enabled ones failing since when, disabled",
            "ones (410 Gone, or failing for delivery.disable-after) with why and how many actions they hold."})
final class OutboxEndpointsCommand extends OutboxSubcommand {
    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Holds.Endpoint> endpoints = query(repo -> new Holds(repo.database()).endpoints());
        PrintWriter out = spec.commandLine().getOut();
        if (!printedWithoutTable(out, json, endpoints, "no endpoint has failed")) {
            Table table = new Table("URL", "STATE", "HELD", "FAILING SINCE", "DISABLED", "WHY / LAST ERROR");
            for (Holds.Endpoint e : endpoints) {
                table.row(e.url(), e.state(), e.disabled() ? Long.toString(e.held()) : "-",
                        OutboxCommand.time(e.failingSince()), e.disabled() ? OutboxCommand.time(e.disabledAt()) : "-",
                        e.disabled() ? e.reason() : e.lastError() == null ? "" : e.lastError());
            }
            table.print(out);
            if (endpoints.stream().anyMatch(Holds.Endpoint::disabled)) {
                out.println("enable one again, releasing its actions in order: startyhook outbox enable-endpoint URL");
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
