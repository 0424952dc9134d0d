package com.startyhook.cli;

import picocli.CommandLine.Command;

/** {@code outbox retry}: by ids, or in bulk by flow and status. */
@Command(name = "retry", mixinStandardHelpOptions = true,
        description = {"Puts failed, cancelled or delivered actions back to pending, due now, with their retry "
                + "schedule restarted.", "A delivered action is sent again with the same X-StartyHook-Id."})
final class OutboxRetryCommand extends OutboxChangeCommand {
    OutboxRetryCommand() {
        super(Operation.RETRY);
    }
}
