package com.startyhook.cli;

import com.startyhook.outbox.OutboxRepository;
import com.startyhook.store.Database;
import java.sql.SQLException;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/** What every {@code outbox} subcommand shares: the connector's database, and the outbox's statuses. */
abstract class OutboxSubcommand extends Subcommand {
    @Mixin
    DatabaseOptions db;

    interface Query<T> {
        T run(OutboxRepository repo) throws SQLException;
    }

    /** Runs {@code query} on the outbox, a missing table explained. */
    <T> T query(Query<T> query) throws SQLException {
        try (Database database = db.open(environment)) {
            return query.run(new OutboxRepository(database));
        } catch (SQLException e) {
            throw OutboxCommand.explain(e, db);
        }
    }

    void checkStatus(String status) {
        if (status != null && !OutboxRepository.STATUSES.contains(status)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--status must be one of "
                    + String.join(", ", OutboxRepository.STATUSES.stream().sorted().toList()) + ", not " + status);
        }
    }
}
