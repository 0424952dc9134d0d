package com.startyhook.cli;

import com.startyhook.outbox.OutboxRepository;
import com.startyhook.store.Database;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.List;
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

    /**
     * Prints {@code rows} as JSON when {@code json}, or {@code none} when there are none; false when the
     * caller is to print its table.
     */
    static boolean printedWithoutTable(PrintWriter out, boolean json, List<?> rows, String none) throws IOException {
        if (json) {
            out.println(OutboxCommand.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rows));
        } else if (rows.isEmpty()) {
            out.println(none);
        }
        return json || rows.isEmpty();
    }

    void checkStatus(String status) {
        if (status != null && !OutboxRepository.STATUSES.contains(status)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--status must be one of "
                    + String.join(", ", OutboxRepository.STATUSES.stream().sorted().toList()) + ", not " + status);
        }
    }
}
