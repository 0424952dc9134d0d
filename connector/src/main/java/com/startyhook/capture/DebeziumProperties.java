package com.startyhook.capture;

import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * How Debezium reads the write-ahead log, in one place: the connector's capture runs with these
 * settings and the benchmark's raw engines start from them too, so that a baseline cannot drift
 * from what it measures. pgoutput on a filtered publication, no snapshot, transaction metadata,
 * no tombstones, decimals as their text (NaN included), intervals as ISO-8601 strings, hstore as JSON, the
 * PostgreSQL type of each column in its schema, unknown types kept (as their text), one record-processing thread. Offset storage and
 * heartbeats are each caller's own.
 */
public final class DebeziumProperties {
    private DebeziumProperties() {}

    /**
     * The settings of an engine named {@code name} (also its topic prefix) reading {@code tables}
     * ("schema.table") of {@code source} through {@code slot} and {@code publication}.
     */
    public static Properties reading(String name, CaptureSource source, String slot, String publication,
            Set<String> tables, Duration pollInterval, int maxBatchSize) {
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("database.hostname", source.host());
        p.setProperty("database.port", Integer.toString(source.port()));
        p.setProperty("database.dbname", source.database());
        p.setProperty("database.user", source.user() == null ? "" : source.user());
        if (source.password() != null) {
            p.setProperty("database.password", source.password());
        }
        if (source.sslMode() != null) {
            p.setProperty("database.sslmode", source.sslMode());
        }
        p.setProperty("topic.prefix", name);
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", slot);
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("publication.name", publication);
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", includeList(tables));
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("tombstones.on.delete", "false");
        // numerics as their text, which keeps the scale and also carries NaN and the infinities (precise cannot)
        p.setProperty("decimal.handling.mode", "string");
        // the value forms of docs/rules.md: ISO-8601 intervals, each column's PostgreSQL type beside its value
        // (bytea and a type Debezium does not know both arrive as bytes), unknown types as their text
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("hstore.handling.mode", "json");
        p.setProperty("time.precision.mode", "adaptive");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("column.propagate.source.type", ".*");
        p.setProperty("include.unknown.datatypes", "true");
        p.setProperty("poll.interval.ms", Long.toString(pollInterval.toMillis()));
        p.setProperty("max.batch.size", Integer.toString(maxBatchSize));
        p.setProperty("max.queue.size", Integer.toString(Math.max(8192, maxBatchSize * 4)));
        p.setProperty("record.processing.threads", "1");
        return p;
    }

    /** Debezium's table.include.list: regular expressions, so the dots are escaped. */
    static String includeList(Set<String> tables) {
        StringBuilder b = new StringBuilder();
        for (String t : new TreeSet<>(tables)) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(t.replace(".", "\\."));
        }
        return b.toString();
    }
}
