package com.startyhook.events;

import com.startyhook.rules.RelatedPath;
import com.startyhook.rules.Relation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads related values ({@code invoice.customer.organization_id}) from the ERP database when events are
 * detected (docs/rules.md, "Related values"). A batch of changes costs one statement per related table
 * and hop, whatever its size (keys are sent as one array, at most {@value #CHUNK} per statement), each
 * bounded by {@link LookupConfig#timeout()}; only SELECTs, through the ERP data source.
 *
 * <p>Consistency: a related row is read as committed when the event is processed. A cached row serves
 * an event only if it was read by a statement whose snapshot already saw the event's transaction
 * committed, and for at most {@link LookupConfig#cacheTtl()}: a related row changed in the event's own
 * transaction is always seen with its value after that commit; a later change may or may not be seen.
 */
final class RelatedLookup {
    private static final Logger LOG = LoggerFactory.getLogger(RelatedLookup.class);
    static final int CHUNK = 1000;

    /** A related table and the key column its rows are read by. */
    record Target(String schema, String table, String key) {
        static Target of(Relation r) {
            return new Target(r.schema(), r.table(), r.key());
        }

        String qualified() {
            return schema + "." + table;
        }
    }

    /** One related value wanted for one element of one transaction; {@link #value} once resolved. */
    static final class Slot {
        final String entity;
        final RelatedPath path;
        final long txId;
        int hop;
        Object key;
        Object value;
        boolean done;

        Slot(String entity, RelatedPath path, long txId, Object key) {
            this.entity = entity;
            this.path = path;
            this.txId = txId;
            this.key = key;
        }

        Object value() {
            return value;
        }
    }

    /** A related row as read, with the snapshot of the statement that read it. */
    record Row(Map<String, Object> values, Snapshot snapshot, long readAtMillis) {}

    /** A PostgreSQL snapshot ({@code txid_current_snapshot()}): which transactions it saw committed. */
    record Snapshot(long xmin, long xmax, Set<Long> inProgress) {
        static Snapshot parse(String text) {
            String[] p = text.split(":", -1);
            Set<Long> xip = new HashSet<>();
            if (p.length > 2 && !p[2].isEmpty()) {
                for (String x : p[2].split(",")) {
                    xip.add(Long.parseLong(x));
                }
            }
            return new Snapshot(Long.parseLong(p[0]), Long.parseLong(p[1]), xip);
        }

        /** Whether the transaction {@code xid} (32 bits, as in the WAL) had committed for this snapshot. */
        boolean saw(long xid) {
            if (xid <= 0) {
                return false;
            }
            long full = ((xmax >>> 32) << 32) | (xid & 0xFFFFFFFFL);
            if (full - xmax > (1L << 31)) {
                full -= 1L << 32; // an xid of the previous epoch
            }
            return full < xmin || (full < xmax && !inProgress.contains(full));
        }
    }

    private final DataSource erp;
    private final LookupConfig config;
    private final Clock clock;
    private final Map<Target, String> keyTypes = new ConcurrentHashMap<>();
    private final Map<String, Row> cache;
    private long generations;

    /**
     * Which columns of which related tables one set of active flows reads; a batch is resolved with the
     * plan of the flows it was matched against, even while a hot reload installs the next one.
     */
    record Plan(long generation, Map<Target, List<String>> columns) {}

    RelatedLookup(DataSource erp, LookupConfig config, Clock clock) {
        this.erp = erp;
        this.config = config;
        this.clock = clock;
        int size = config.cacheSize();
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Row> eldest) {
                return size() > size;
            }
        };
    }

    /** The plan for the paths the active flows use: which columns of which related tables are read. Clears the cache. */
    synchronized Plan plan(List<RelatedPath> paths) {
        Map<Target, Set<String>> wanted = new LinkedHashMap<>();
        for (RelatedPath p : paths) {
            for (int i = 0; i < p.hops().size(); i++) {
                String column = i + 1 < p.hops().size() ? p.hops().get(i + 1).column() : p.column();
                wanted.computeIfAbsent(Target.of(p.hops().get(i)), t -> new LinkedHashSet<>()).add(column);
            }
        }
        Map<Target, List<String>> out = new HashMap<>();
        wanted.forEach((t, c) -> out.put(t, List.copyOf(c)));
        cache.clear();
        keyTypes.clear();
        return new Plan(++generations, Map.copyOf(out));
    }

    /** Resolves every slot: its value, or null when a key on the way is null or its related row is missing. */
    synchronized void resolve(Plan plan, List<Slot> slots) throws SQLException {
        List<Slot> pending = new ArrayList<>();
        for (Slot s : slots) {
            advance(s, s.key);
            if (!s.done) {
                pending.add(s);
            }
        }
        if (pending.isEmpty()) {
            return;
        }
        try (Connection c = erp.getConnection()) {
            while (!pending.isEmpty()) {
                Map<Target, List<Slot>> byTarget = new LinkedHashMap<>();
                for (Slot s : pending) {
                    byTarget.computeIfAbsent(Target.of(s.path.hops().get(s.hop)), t -> new ArrayList<>()).add(s);
                }
                List<Slot> next = new ArrayList<>();
                for (Map.Entry<Target, List<Slot>> e : byTarget.entrySet()) {
                    Map<String, Row> rows = rows(c, plan, e.getKey(), e.getValue());
                    for (Slot s : e.getValue()) {
                        Row row = rows.get(Values.text(s.key));
                        if (row == null) {
                            LOG.debug("Entity {}: {} finds no row of {} with {} = {}; the value is null", s.entity,
                                    s.path.text(), e.getKey().qualified(), e.getKey().key(), Values.text(s.key));
                            finish(s, null);
                            continue;
                        }
                        boolean last = s.hop == s.path.hops().size() - 1;
                        if (last) {
                            finish(s, row.values().get(s.path.column()));
                        } else {
                            s.hop++;
                            advance(s, row.values().get(s.path.hops().get(s.hop).column()));
                            if (!s.done) {
                                next.add(s);
                            }
                        }
                    }
                }
                pending = next;
            }
        }
    }

    private static void advance(Slot s, Object key) {
        s.key = key;
        if (key == null || !Values.known(key)) {
            finish(s, null);
        }
    }

    private static void finish(Slot s, Object value) {
        s.value = value;
        s.done = true;
    }

    /** The rows of {@code target} the slots point at, from the cache where it may serve them, else read. */
    private Map<String, Row> rows(Connection c, Plan plan, Target target, List<Slot> slots) throws SQLException {
        Map<String, Row> found = new HashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        long now = clock.millis();
        long ttl = config.cacheTtl().toMillis();
        for (Slot s : slots) {
            String key = Values.text(s.key);
            Row cached = cache.get(cacheKey(plan, target, key));
            if (cached != null && now - cached.readAtMillis() < ttl && cached.snapshot().saw(s.txId)) {
                found.putIfAbsent(key, cached);
            } else {
                missing.add(key);
            }
        }
        found.keySet().removeAll(missing); // a key that one transaction cannot take from the cache is read for all
        List<String> keys = new ArrayList<>(missing);
        for (int from = 0; from < keys.size(); from += CHUNK) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + CHUNK));
            Slot example = slots.get(0);
            try {
                read(c, plan, target, chunk, found);
            } catch (SQLException e) {
                LOG.error("Entity {}: cannot read the related value {} from {} ({}); capture retries the batch."
                        + " Fix: check that the connector's user may SELECT {} and that {} is indexed"
                        + " (startyhook validate --db names what is missing)", example.entity, example.path.text(),
                        target.qualified(), e.getMessage(), target.qualified(), target.qualified() + "." + target.key());
                throw e;
            }
        }
        return found;
    }

    private void read(Connection c, Plan plan, Target target, List<String> keys, Map<String, Row> into)
            throws SQLException {
        List<String> cols = plan.columns().getOrDefault(target, List.of());
        StringBuilder sql = new StringBuilder("SELECT ").append(quote(target.key())).append("::text");
        for (String col : cols) {
            sql.append(", ").append(quote(col));
        }
        sql.append(", txid_current_snapshot()::text FROM ").append(quote(target.schema())).append('.')
                .append(quote(target.table())).append(" WHERE ").append(quote(target.key()))
                .append(" = ANY(?::text[]::").append(keyType(c, target)).append("[])");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setQueryTimeout(timeoutSeconds());
            ps.setArray(1, c.createArrayOf("text", keys.toArray()));
            long readAt = clock.millis();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> values = new HashMap<>();
                    for (int i = 0; i < cols.size(); i++) {
                        values.put(cols.get(i), value(rs, i + 2, md.getColumnTypeName(i + 2)));
                    }
                    Row row = new Row(values, Snapshot.parse(rs.getString(cols.size() + 2)), readAt);
                    into.put(rs.getString(1), row);
                    if (config.cacheSize() > 0) {
                        cache.put(cacheKey(plan, target, rs.getString(1)), row);
                    }
                }
            }
        }
    }

    /** The key column's type, read once from the catalog, so that the keys are compared as that type (and indexed). */
    private String keyType(Connection c, Target target) throws SQLException {
        String known = keyTypes.get(target);
        if (known != null) {
            return known;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT format_type(a.atttypid, NULL) FROM pg_attribute a"
                + " JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
                + " WHERE n.nspname = ? AND t.relname = ? AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped")) {
            ps.setQueryTimeout(timeoutSeconds());
            ps.setString(1, target.schema());
            ps.setString(2, target.table());
            ps.setString(3, target.key());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("column " + target.key() + " of " + target.qualified() + " does not exist;"
                            + " fix the relation in entities.json (startyhook validate --db checks every hop)");
                }
                String type = rs.getString(1);
                keyTypes.put(target, type);
                return type;
            }
        }
    }

    private int timeoutSeconds() {
        return (int) Math.max(1, config.timeout().toSeconds());
    }

    /** A JDBC value as {@link com.startyhook.capture.ColumnValues} gives a captured one, so that both compare alike. */
    static Object value(ResultSet rs, int i, String type) throws SQLException {
        if (rs.getObject(i) == null) {
            return null;
        }
        return switch (type) {
            case "int2", "int4", "int8", "numeric", "oid" -> rs.getBigDecimal(i);
            case "float4", "float8" -> {
                double d = rs.getDouble(i);
                yield Double.isFinite(d) ? new java.math.BigDecimal(Double.toString(d)) : Double.toString(d);
            }
            case "bool" -> rs.getBoolean(i);
            case "timestamptz" -> rs.getObject(i, OffsetDateTime.class).toInstant();
            case "timestamp" -> rs.getObject(i, LocalDateTime.class).toInstant(ZoneOffset.UTC);
            case "date" -> rs.getObject(i, LocalDate.class);
            default -> rs.getString(i);
        };
    }

    private static String cacheKey(Plan plan, Target t, String key) {
        return plan.generation() + "\u0000" + t.schema() + '\u0000' + t.table() + '\u0000' + t.key() + '\u0000' + key;
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
