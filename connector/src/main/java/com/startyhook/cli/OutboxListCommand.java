package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.outbox.OutboxRepository;
import com.startyhook.outbox.OutboxRepository.ActionSummary;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outbox list}: actions, newest first, filtered. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists actions, newest first.")
final class OutboxListCommand extends OutboxSubcommand {
    @Option(names = "--flow", description = "only this flow")
    String flow;
    @Option(names = "--status", description = "pending, delivering, delivered, failed or cancelled")
    String status;
    @Option(names = "--element", description = "only this element id")
    String element;
    @Option(names = "--since", paramLabel = "DURATION|INSTANT", description = "created within a duration (30m, 1h, 2d) or since an ISO instant")
    String since;
    @Option(names = "--limit", defaultValue = "50", description = "at most this many (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    @Override
    public Integer call() throws Exception {
        checkStatus(status);
        if (limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1");
        }
        Instant from = since == null ? null : parseSince(since, Clock.systemUTC());
        List<ActionSummary> actions = query(repo -> repo.list(
                new OutboxRepository.Filter(flow, status, element, from, limit)));
        PrintWriter out = spec.commandLine().getOut();
        if (!printedWithoutTable(out, json, actions, "no actions match")) {
            Table table = new Table("ID", "FLOW", "ELEMENT", "EVENT", "STATUS", "ATTEMPTS", "LAST", "CREATED",
                    "NEXT/DELIVERED");
            for (ActionSummary a : actions) {
                table.row(Long.toString(a.id()), a.flowName(), a.entity() + " " + a.elementId(), a.event(),
                        a.status(), Integer.toString(a.attempts()), last(a), OutboxCommand.time(a.createdAt()),
                        a.deliveredAt() != null ? OutboxCommand.time(a.deliveredAt())
                                : a.status().equals("pending") ? OutboxCommand.time(a.nextAttemptAt()) : "");
            }
            table.print(out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static String last(ActionSummary a) {
        String s = a.lastHttpStatus() != null ? "HTTP " + a.lastHttpStatus() : a.lastError() == null ? "" : a.lastError();
        return s.length() > 40 ? s.substring(0, 39) + "…" : s;
    }

    /** A duration back from now ("1h") or an ISO instant ("2026-11-22T10:00:00Z"). */
    static Instant parseSince(String text, Clock clock) {
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException notAnInstant) {
            try {
                return clock.instant().minus(DurationOption.parse(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("--since '" + text + "' is neither a duration (30m, 1h, 2d) nor an "
                        + "ISO instant (2026-11-22T10:00:00Z)");
            }
        }
    }
}
