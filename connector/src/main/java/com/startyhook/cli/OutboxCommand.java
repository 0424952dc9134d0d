package com.startyhook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.startyhook.ConfigurationException;
import com.startyhook.outbox.OutboxRepository;
import com.startyhook.outbox.OutboxRepository.ActionDetails;
import com.startyhook.outbox.OutboxRepository.ActionSummary;
import com.startyhook.outbox.OutboxRepository.Attempt;
import com.startyhook.outbox.OutboxRepository.Change;
import com.startyhook.store.Database;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "outbox", mixinStandardHelpOptions = true,
        description = "Inspects the outbox: list and show actions and their attempts, retry and cancel them.",
        subcommands = {OutboxCommand.ListActions.class, OutboxCommand.ShowAction.class,
            OutboxCommand.RetryActions.class, OutboxCommand.CancelActions.class})
final class OutboxCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** How the operator commands reach the connector's database. */
    /** Turns "table does not exist" into advice. */
    static SQLException explain(SQLException e, DatabaseOptions db) {
        if ("42P01".equals(e.getSQLState())) {
            return new SQLException("the outbox tables are missing in schema " + db.schemaName()
                    + ": start the connector once (it creates them), or pass the right --schema", e);
        }
        return e;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists actions, newest first.")
    static final class ListActions implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DatabaseOptions db;
        @Option(names = "--flow", description = "only this flow")
        String flow;
        @Option(names = "--status", description = "pending, delivering, delivered, failed or cancelled")
        String status;
        @Option(names = "--element", description = "only this element id")
        String element;
        @Option(names = "--since", description = "created within a duration (30m, 1h, 2d) or since an ISO instant")
        String since;
        @Option(names = "--limit", defaultValue = "50", description = "at most this many (default: ${DEFAULT-VALUE})")
        int limit;
        @Option(names = "--json", description = "print JSON for scripts")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (status != null && !OutboxRepository.STATUSES.contains(status)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--status must be one of "
                        + String.join(", ", OutboxRepository.STATUSES.stream().sorted().toList()) + ", not " + status);
            }
            if (limit < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1");
            }
            Instant from = since == null ? null : parseSince(since, Clock.systemUTC());
            List<ActionSummary> actions;
            try (Database database = db.open(System.getenv())) {
                actions = new OutboxRepository(database).list(
                        new OutboxRepository.Filter(flow, status, element, from, limit));
            } catch (SQLException e) {
                throw explain(e, db);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actions));
            } else if (actions.isEmpty()) {
                out.println("no actions match");
            } else {
                Table table = new Table("ID", "FLOW", "ELEMENT", "EVENT", "STATUS", "ATTEMPTS", "LAST", "CREATED",
                        "NEXT/DELIVERED");
                for (ActionSummary a : actions) {
                    table.row(Long.toString(a.id()), a.flowName(), a.entity() + " " + a.elementId(), a.event(),
                            a.status(), Integer.toString(a.attempts()), last(a), time(a.createdAt()),
                            a.deliveredAt() != null ? time(a.deliveredAt())
                                    : a.status().equals("pending") ? time(a.nextAttemptAt()) : "");
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
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows one action: details, payload and every attempt.")
    static final class ShowAction implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DatabaseOptions db;
        @Parameters(paramLabel = "ID", description = "the action's id, or its X-StartyHook-Id (a UUID)")
        String id;
        @Option(names = "--json", description = "print JSON for scripts")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Optional<ActionDetails> found;
            try (Database database = db.open(System.getenv())) {
                OutboxRepository repo = new OutboxRepository(database);
                found = id.contains("-") ? repo.showByMessageId(parseUuid(id)) : repo.show(parseId(id));
            } catch (SQLException e) {
                throw explain(e, db);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (found.isEmpty()) {
                spec.commandLine().getErr().println("no action " + id + " in schema " + db.schemaName());
                return ExitCodes.PROBLEMS;
            }
            ActionDetails d = found.get();
            if (json) {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(d));
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
                    + (a.status().equals("pending") ? ", next at " + time(a.nextAttemptAt()) : "")
                    + (a.deliveredAt() != null ? ", delivered at " + time(a.deliveredAt()) : ""));
            if (d.leaseOwner() != null) {
                field(out, "lease", d.leaseOwner() + " until " + time(d.leaseExpiresAt()));
            }
            field(out, "url", d.url());
            field(out, "secret", com.startyhook.signing.SigningRef.decode(d.secretRef()).describe());
            if (!"{}".equals(d.headers())) {
                field(out, "headers", redactHeaders(d.headers()));
            }
            field(out, "timeout", d.timeoutMs() + " ms");
            field(out, "retries", d.retryScheduleMs().isEmpty() ? "none" : String.join(", ",
                    d.retryScheduleMs().stream().map(ms -> formatDuration(Duration.ofMillis(ms))).toList()));
            field(out, "created", time(a.createdAt()) + ", updated " + time(d.updatedAt()));
            if (a.lastError() != null) {
                field(out, "last error", a.lastError());
            }
            out.println();
            out.println("payload:");
            out.println(indent(prettyJson(d.payload())));
            out.println();
            if (d.attempts().isEmpty()) {
                out.println("no attempts yet");
            } else {
                out.println("attempts:");
                Table table = new Table("#", "STARTED", "DURATION", "HTTP", "OUTCOME", "ERROR", "WORKER").maxWidth(300);
                for (Attempt t : d.attempts()) {
                    table.row(Integer.toString(t.attemptNo()), time(t.startedAt()), t.durationMs() + " ms",
                            t.httpStatus() == null ? "-" : t.httpStatus().toString(), t.outcome(),
                            t.error() == null ? "" : t.error(), t.worker() == null ? "" : t.worker());
                }
                table.print(out);
                for (Attempt t : d.attempts()) {
                    if (t.responseExcerpt() != null && !t.responseExcerpt().isBlank()) {
                        out.println("response to attempt " + t.attemptNo() + ":");
                        out.println(indent(t.responseExcerpt().strip()));
                    }
                }
            }
            out.flush();
            return ExitCodes.OK;
        }

        private static void field(PrintWriter out, String name, String value) {
            out.printf("  %-11s %s%n", name, value);
        }
    }

    /** Shared by retry and cancel: ids, or a bulk selection by flow and status. */
    abstract static class ChangeActions implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DatabaseOptions db;
        @Parameters(paramLabel = "ID", arity = "0..*", description = "action ids")
        List<Long> ids = new ArrayList<>();
        @Option(names = "--flow", description = "in bulk: actions of this flow")
        String flow;
        @Option(names = "--status", description = "in bulk: actions in this status")
        String status;

        abstract List<Change> byIds(OutboxRepository repo, List<Long> ids) throws SQLException;

        abstract List<Change> inBulk(OutboxRepository repo, String flow, String status) throws SQLException;

        abstract String verb();

        @Override
        public Integer call() throws Exception {
            boolean bulk = flow != null || status != null;
            if (ids.isEmpty() == !bulk) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "give action ids, or --flow and/or --status for a bulk " + verb() + " (not both)");
            }
            if (status != null && !OutboxRepository.STATUSES.contains(status)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--status must be one of "
                        + String.join(", ", OutboxRepository.STATUSES.stream().sorted().toList()) + ", not " + status);
            }
            List<Change> changes;
            try (Database database = db.open(System.getenv())) {
                OutboxRepository repo = new OutboxRepository(database);
                changes = bulk ? inBulk(repo, flow, status) : byIds(repo, ids);
            } catch (SQLException e) {
                throw explain(e, db);
            }
            PrintWriter out = spec.commandLine().getOut();
            int changed = 0;
            for (Change c : changes) {
                if (c.changed()) {
                    changed++;
                    out.printf("action %d (%s %s): %s -> %s%n", c.id(), c.flowName(), c.elementId(), c.from(), c.to());
                } else if (c.from() == null) {
                    out.printf("action %d: %s%n", c.id(), c.note());
                } else {
                    out.printf("action %d (%s %s): unchanged, %s (%s)%n", c.id(), c.flowName(), c.elementId(),
                            c.from(), c.note());
                }
            }
            out.printf("%d action%s %s%n", changed, changed == 1 ? "" : "s", verb());
            out.flush();
            boolean allChanged = changed == changes.size();
            return !bulk && !allChanged ? ExitCodes.PROBLEMS : ExitCodes.OK;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Puts failed, cancelled or delivered actions back to pending, due now, with their retry "
                    + "schedule restarted.", "A delivered action is sent again with the same X-StartyHook-Id."})
    static final class RetryActions extends ChangeActions {
        @Override
        List<Change> byIds(OutboxRepository repo, List<Long> ids) throws SQLException {
            return repo.retry(ids);
        }

        @Override
        List<Change> inBulk(OutboxRepository repo, String flow, String status) throws SQLException {
            return repo.retry(flow, status);
        }

        @Override
        String verb() {
            return "retried";
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancels pending or failed actions: they are not sent and no longer hold back their element.")
    static final class CancelActions extends ChangeActions {
        @Override
        List<Change> byIds(OutboxRepository repo, List<Long> ids) throws SQLException {
            return repo.cancel(ids);
        }

        @Override
        List<Change> inBulk(OutboxRepository repo, String flow, String status) throws SQLException {
            return repo.cancel(flow, status);
        }

        @Override
        String verb() {
            return "cancelled";
        }
    }

    static String time(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    static String prettyJson(String text) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(text));
        } catch (Exception e) {
            return text; // not JSON: show it as stored
        }
    }

    private static final java.util.regex.Pattern SENSITIVE_HEADER =
            java.util.regex.Pattern.compile("(?i).*(authorization|cookie|token|secret|key|password|signature).*");

    /** Extra headers as stored, with the values of credential-like headers hidden. */
    static String redactHeaders(String headersJson) {
        try {
            java.util.Map<String, String> headers = JSON.readValue(headersJson,
                    new com.fasterxml.jackson.core.type.TypeReference<java.util.TreeMap<String, String>>() {});
            headers.replaceAll((name, value) -> SENSITIVE_HEADER.matcher(name).matches() ? "***" : value);
            return JSON.writeValueAsString(headers);
        } catch (Exception e) {
            return "(unreadable)";
        }
    }

    static java.util.UUID parseUuid(String text) {
        try {
            return java.util.UUID.fromString(text.strip());
        } catch (IllegalArgumentException e) {
            throw new com.startyhook.ConfigurationException("'" + text + "' is neither an action id (a number) nor an"
                    + " X-StartyHook-Id (a UUID such as 4607aa88-1c0e-3b5e-9f63-2a3c1c1b9d11)");
        }
    }

    static long parseId(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new com.startyhook.ConfigurationException("'" + text + "' is neither an action id (a number) nor an"
                    + " X-StartyHook-Id (a UUID)");
        }
    }

    static String indent(String text) {
        return "  " + text.replace("\n", "\n  ");
    }

    /** "500ms", "30s", "5m", "1h", "2d", or ISO-8601 (PT5M): the same forms as rule files and configuration. */
    static Duration parseDuration(String text) {
        Duration d = com.startyhook.rules.Durations.parse(text);
        if (d == null) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 30s, 5m, 1h or 2d");
        }
        return d;
    }

    static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** A duration back from now ("1h") or an ISO instant ("2026-11-22T10:00:00Z"). */
    static Instant parseSince(String text, Clock clock) {
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException notAnInstant) {
            try {
                return clock.instant().minus(parseDuration(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("--since '" + text + "' is neither a duration (30m, 1h, 2d) nor an "
                        + "ISO instant (2026-11-22T10:00:00Z)");
            }
        }
    }

    /** picocli converter for duration options ("5m", "2s"). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
