package com.startyhook.cli;

import picocli.CommandLine.Command;

/** {@code outbox cancel}: by ids, or in bulk by flow and status. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = "Cancels pending or failed actions: they are not sent and no longer hold back their element.")
final class OutboxCancelCommand extends OutboxChangeCommand {
    OutboxCancelCommand() {
        super(Operation.CANCEL);
    }
}
