package com.startyhook.cli;

import com.startyhook.signing.SigningRef;
import com.startyhook.ConfigurationException;
import com.startyhook.outbox.OutboxRepository;
import com.startyhook.outbox.OutboxRepository.ActionDetails;
import com.startyhook.outbox.OutboxRepository.ActionSummary;
import com.startyhook.outbox.OutboxRepository.Attempt;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code outbox show}: one action with its details, payload and every attempt. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Shows one action: details, payload and every attempt.")
final class OutboxShowCommand extends OutboxSubcommand {
    @Parameters(paramLabel = "ID", description = "the action's id, or its X-StartyHook-Id (a UUID)")
    String id;
    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Optional<ActionDetails> found = query(repo -> find(repo, id));
        PrintWriter out = spec.commandLine().getOut();
        if (found.isEmpty()) {
            spec.commandLine().getErr().println("no action " + id + " in schema " + db.schemaName());
            return ExitCodes.PROBLEMS;
        }
        ActionDetails d = found.get();
        if (json) {
            out.println(OutboxCommand.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(d));
            out.flush();
            return ExitCodes.OK;
        }
        ActionSummary a = d.summary();
        out.printf("action %d  (X-StartyHook-Id %s)%n", a.id(), d.messageId());
        field(out, "flow", a.flowName() + " (action " + d.actionIndex() + ")");
        field(out, "element", a.entity() + " " + a.elementId()
                + (d.organization() == null ? "" : " (organization " + d.organization() + ")"));
        field(out, "event", a.event() + " from " + d.source()
                + (d.sourcePosition() == null ? "" : " at " + d.sourcePosition()));
        field(out, "status", a.status() + ", " + a.attempts() + " attempt" + (a.attempts() == 1 ? "" : "s")
                + (a.status().equals("pending") ? ", next at " + OutboxCommand.time(a.nextAttemptAt()) : "")
                + (a.deliveredAt() != null ? ", delivered at " + OutboxCommand.time(a.deliveredAt()) : ""));
        if (d.leaseOwner() != null) {
            field(out, "lease", d.leaseOwner() + " until " + OutboxCommand.time(d.leaseExpiresAt()));
        }
        field(out, "url", d.url());
        field(out, "secret", SigningRef.decode(d.secretRef()).describe());
        if (!"{}".equals(d.headers())) {
            field(out, "headers", OutboxCommand.redactHeaders(d.headers()));
        }
        field(out, "timeout", d.timeoutMs() + " ms");
        field(out, "retries", d.retryScheduleMs().isEmpty() ? "none" : String.join(", ",
                d.retryScheduleMs().stream().map(ms -> DurationOption.format(Duration.ofMillis(ms))).toList()));
        field(out, "created", OutboxCommand.time(a.createdAt()) + ", updated " + OutboxCommand.time(d.updatedAt()));
        if (a.lastError() != null) {
            field(out, "last error", a.lastError());
        }
        out.println();
        out.println("payload:");
        out.println(OutboxCommand.indent(OutboxCommand.prettyJson(d.payload())));
        out.println();
        if (d.attempts().isEmpty()) {
            out.println("no attempts yet");
        } else {
            out.println("attempts:");
            Table table = new Table("#", "STARTED", "DURATION", "HTTP", "OUTCOME", "ERROR", "WORKER").maxWidth(300);
            for (Attempt t : d.attempts()) {
                table.row(Integer.toString(t.attemptNo()), OutboxCommand.time(t.startedAt()), t.durationMs() + " ms",
                        t.httpStatus() == null ? "-" : t.httpStatus().toString(), t.outcome(),
                        t.error() == null ? "" : t.error(), t.worker() == null ? "" : t.worker());
            }
            table.print(out);
            for (Attempt t : d.attempts()) {
                if (t.responseExcerpt() != null && !t.responseExcerpt().isBlank()) {
                    out.println("response to attempt " + t.attemptNo() + ":");
                    out.println(OutboxCommand.indent(t.responseExcerpt().strip()));
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void field(PrintWriter out, String name, String value) {
        out.printf("  %-11s %s%n", name, value);
    }

    /** The action {@code text} names: its id (a number) or its X-StartyHook-Id (a UUID). */
    private static Optional<ActionDetails> find(OutboxRepository repo, String text) throws SQLException {
        String t = text.strip();
        try {
            return t.contains("-") ? repo.showByMessageId(UUID.fromString(t)) : repo.show(Long.parseLong(t));
        } catch (IllegalArgumentException notAnId) { // NumberFormatException too
            throw new ConfigurationException("'" + text + "' is neither an action id (a number) nor an"
                    + " X-StartyHook-Id (a UUID such as 4607aa88-1c0e-3b5e-9f63-2a3c1c1b9d11)");
        }
    }
}
