package com.startyhook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code outbox} command: its subcommands (list, show, retry, cancel) are classes of their own;
 * this one holds what they print with (times, JSON, redacted headers) and the missing-table advice.
 */
@Command(name = "outbox", mixinStandardHelpOptions = true,
        description = {"Inspects the outbox: list and show actions and their attempts, retry and cancel them;",
            "list endpoints (webhook URLs) and enable a disabled one again."},
        subcommands = {OutboxListCommand.class, OutboxShowCommand.class, OutboxRetryCommand.class,
            OutboxCancelCommand.class, OutboxEndpointsCommand.class, OutboxEnableEndpointCommand.class})
final class OutboxCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Turns "table does not exist" into advice. */
    static SQLException explain(SQLException e, DatabaseOptions db) {
        if ("42P01".equals(e.getSQLState())) {
            return new SQLException("the outbox tables are missing in schema " + db.schemaName()
                    + ": start the connector once (it creates them), or pass the right --schema", e);
        }
        return e;
    }

    /** Past any real date: PostgreSQL's 'infinity', the next attempt of a held action. */
    private static final Instant NEVER = Instant.parse("9999-12-31T23:59:59Z");

    static String time(Instant t) {
        if (t != null && t.isAfter(NEVER)) {
            return "held (paused flow or disabled endpoint)";
        }
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

    static String indent(String text) {
        return "  " + text.replace("\n", "\n  ");
    }
}
