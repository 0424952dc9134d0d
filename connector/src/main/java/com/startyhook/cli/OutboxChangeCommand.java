package com.startyhook.cli;

import com.startyhook.outbox.OutboxRepository;
import com.startyhook.outbox.OutboxRepository.Change;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code outbox retry} and {@code outbox cancel} share: action ids, or a bulk selection by flow
 * and status, and a line per action saying what changed.
 */
abstract class OutboxChangeCommand extends OutboxSubcommand {
    @Parameters(paramLabel = "ID", arity = "0..*", description = "action ids")
    List<Long> ids = new ArrayList<>();
    @Option(names = "--flow", description = "in bulk: actions of this flow")
    String flow;
    @Option(names = "--status", description = "in bulk: actions in this status")
    String status;

    private final Operation operation;

    OutboxChangeCommand(Operation operation) {
        this.operation = operation;
    }

    /** What the subcommand does to the actions, by ids and in bulk, and the past participle that says so. */
    record Operation(String verb, ByIds byIds, InBulk inBulk) {
        static final Operation RETRY = new Operation("retried", OutboxRepository::retry, OutboxRepository::retry);
        static final Operation CANCEL = new Operation("cancelled", OutboxRepository::cancel, OutboxRepository::cancel);
    }

    interface ByIds {
        List<Change> change(OutboxRepository repo, List<Long> ids) throws SQLException;
    }

    interface InBulk {
        List<Change> change(OutboxRepository repo, String flow, String status) throws SQLException;
    }

    @Override
    public Integer call() throws Exception {
        boolean bulk = flow != null || status != null;
        if (ids.isEmpty() == !bulk) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give action ids, or --flow and/or --status for a bulk " + operation.verb() + " (not both)");
        }
        checkStatus(status);
        List<Change> changes = query(repo -> bulk ? operation.inBulk().change(repo, flow, status)
                : operation.byIds().change(repo, ids));
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
        out.printf("%d action%s %s%n", changed, changed == 1 ? "" : "s", operation.verb());
        out.flush();
        boolean allChanged = changed == changes.size();
        return !bulk && !allChanged ? ExitCodes.PROBLEMS : ExitCodes.OK;
    }
}
