package com.startyhook.events;

import com.startyhook.StartyHookException;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxWriter;
import com.startyhook.outbox.Payload;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.EventType;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.rules.WhereClause;
import com.startyhook.store.Activations;
import com.startyhook.store.Backfills;
import com.startyhook.store.Database;
import com.startyhook.store.PgValues;
import com.startyhook.store.Transactions;
import com.startyhook.rules.Criterion;
import com.startyhook.rules.RelatedPath;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Enqueues an event flow's actions for rows that already exist ({@code flows backfill NAME}, docs/operations.md
 * "Backfill"). It reads the entity's table page by page in the order of the entity's key (keyset pagination:
 * each page is one bounded statement whatever the table's size), on the ERP's data source, in READ ONLY
 * transactions; for each row that the --where selects and that fires the flow (its event on the row's current
 * values, criteria, organization scope) it builds the flow's payload with {@code "backfill": true} in the
 * context. Each page's actions, once-per-element memory and the backfill's cursor then commit in ONE
 * transaction of the connector's database, so a backfill killed mid-way resumes after its last committed page
 * and enqueues each element's actions exactly once (their dedup key is the backfill's id, flow, action and
 * element as well). It reads at most {@code rate} rows a second.
 */
public final class Backfill {
    /** Rows read per second when no --rate is given. */
    public static final int DEFAULT_RATE = 1_000;
    /** The largest --rate accepted. */
    public static final int MAX_RATE = 100_000;
    /** The largest page: one ERP statement of at most this many rows. */
    static final int MAX_PAGE = 500;
    /** Bound on each read of the ERP's table. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** A backfill that cannot run or go on; the message says why and what to do. */
    public static final class Refused extends StartyHookException {
        public Refused(String message) {
            super(message);
        }
    }

    /** A backfill that stopped on a database error after some pages; the message says how to resume. */
    public static final class Interrupted extends StartyHookException {
        Interrupted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Progress after each committed page (and at the start). */
    public interface Progress {
        /**
         * @param rowsPerSecond rows read per second in this run so far (0 at the start)
         * @param eta           the time left by the table's estimate at that speed, or null when unknown
         */
        void report(Backfills.Run run, double rowsPerSecond, Duration eta, boolean resumed);

        /** Something the operator should know before it runs (a key without an index). */
        default void warn(String message) {}
    }

    /** What {@code flows backfill} asks for: --where (null: every row), --rate (null: default or the stored one). */
    public record Request(String flow, String where, Integer rate, boolean restart, String by) {}

    private final Database state;
    private final java.time.ZoneId sourceZone;
    private final DataSource erp;
    private final Clock clock;
    private final Backfills backfills;
    private final OutboxWriter outbox;
    private final ElementMemory memory;

    /**
     * @param state the connector's database: outbox, memory, backfill state. A run holds one of its connections
     *              (the lock's session) and uses one more at a time.
     * @param erp   where the entity's table is read (the ERP's database): one connection at a time, never while
     *              one of {@code state} is in use for a write, so both may be the same pool of two connections
     */
    public Backfill(Database state, DataSource erp, Clock clock) {
        this(state, erp, clock, PgValues.DEFAULT_SOURCE_TIME_ZONE);
    }

    /** @param sourceZone the zone of the ERP's timestamp (without time zone) values (capture.source-time-zone) */
    public Backfill(Database state, DataSource erp, Clock clock, java.time.ZoneId sourceZone) {
        this.sourceZone = sourceZone;
        this.state = state;
        this.erp = erp;
        this.clock = clock;
        this.backfills = new Backfills(state);
        this.outbox = new OutboxWriter(state);
        this.memory = new ElementMemory(state.schema());
    }

    /** Parses {@code --rate}: "N/s" or "N", 1 to {@value #MAX_RATE}. */
    public static int parseRate(String text) {
        String t = text == null ? "" : text.strip();
        if (t.endsWith("/s")) {
            t = t.substring(0, t.length() - 2).strip();
        }
        try {
            int rate = Integer.parseInt(t);
            if (rate >= 1 && rate <= MAX_RATE) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Refused("--rate '" + text + "' is not a number of rows per second from 1 to " + MAX_RATE
                + "; give it as N/s, e.g. --rate 500/s (default " + DEFAULT_RATE + "/s)");
    }

    /** Cancels the flow's running backfill; empty when none was running. */
    public Optional<Backfills.Run> cancel(String flowName) throws SQLException {
        try (Connection c = state.connection()) {
            return Transactions.inTransaction(c, tx -> {
                Optional<Backfills.Run> running = backfills.running(tx, flowName);
                if (running.isPresent()) {
                    backfills.finish(tx, running.get().id(), "cancelled");
                }
                return running;
            });
        }
    }

    /** Runs (or resumes) the backfill to its end; returns its final state. */
    public Backfills.Run run(Rules rules, Request request, Progress progress) throws SQLException {
        Flow flow = rules.flows().get(request.flow());
        if (flow == null) {
            throw new Refused("no flow named '" + request.flow() + "' in " + rules.directory()
                    + "; `startyhook flows` lists them");
        }
        EventTrigger trigger = eventTrigger(flow);
        Entity entity = rules.entityOf(flow);
        if (entity == null) {
            throw new Refused("flow " + flow.name() + " uses entity '" + flow.entity()
                    + "', which entities.json does not define; add it there or fix the flow's entity");
        }
        ownColumnsOnly(flow, entity);
        if (request.where() != null) {
            String problem = WhereClause.problem(request.where());
            if (problem != null) {
                throw new Refused("--where of the backfill of flow " + flow.name() + ": " + problem);
            }
        }
        Activations.Activation activation = new Activations(state).of(flow.name()).orElse(null);
        if (activation == null || !activation.isActiveFor(flow.contentHash())) {
            throw new Refused("flow " + flow.name() + " is " + (activation == null || activation.activeHash() == null
                    ? "not active" : "modified since it was activated") + ": a backfill sends what the active flow"
                    + " sends; run `startyhook flows activate " + flow.name() + "` first");
        }
        try (Connection session = state.connection()) {
            if (!backfills.lock(session, flow.name())) {
                Integer pid = backfills.lockHolder(session, flow.name());
                throw new Refused("a backfill of flow " + flow.name() + " is already running"
                        + (pid == null ? "" : " (PostgreSQL session " + pid + ")") + "; wait for it to end, or stop"
                        + " it and run `startyhook flows backfill " + flow.name() + "` again to resume it");
            }
            try {
                return runLocked(flow, trigger, entity, request, progress);
            } finally {
                try (PreparedStatement ps = session.prepareStatement("SELECT pg_advisory_unlock_all()")) {
                    ps.execute();
                }
            }
        }
    }

    /**
     * Related values (docs/rules.md) are read by capture when an event is detected; a backfill reads
     * the entity's own rows only, so a flow that needs them is refused rather than sent without them.
     */
    private static void ownColumnsOnly(Flow flow, Entity entity) {
        List<String> related = new ArrayList<>();
        if (RelatedPath.isPath(entity.organization())) {
            related.add("organization " + entity.organization() + " (entity " + entity.name() + ")");
        }
        flow.criteria().stream().map(Criterion::property).filter(RelatedPath::isPath)
                .forEach(p -> related.add("criterion " + p));
        flow.context().values().stream().filter(RelatedPath::isPath).forEach(p -> related.add("context " + p));
        if (!related.isEmpty()) {
            throw new Refused("flow " + flow.name() + " reads related values (" + String.join(", ", related)
                    + "), which a backfill does not read yet: it reads only the rows of " + entity.qualifiedTable()
                    + ". Backfill a copy of the flow without them, or let new events fire it");
        }
    }

    private static EventTrigger eventTrigger(Flow flow) {
        if (!(flow.trigger() instanceof EventTrigger e)) {
            throw new Refused("flow " + flow.name() + " has a condition trigger, which needs no backfill: its"
                    + " scans fire for the rows its query returns. To fire for the rows that meet the condition"
                    + " now, set \"fireOnFirstScan\": true and activate it again (`flows deactivate " + flow.name()
                    + "`, then `flows activate " + flow.name() + "`): its first scan fires for them");
        }
        if (e.events().equals(Set.of(EventType.DELETE))) {
            throw new Refused("flow " + flow.name() + " fires only on delete: rows that exist were not deleted,"
                    + " so a backfill has nothing to send");
        }
        return e;
    }

    private Backfills.Run runLocked(Flow flow, EventTrigger trigger, Entity entity, Request request,
            Progress progress) throws SQLException {
        Map<String, String> keyTypes = keyTypes(entity);
        if (!keyIndexed(entity)) {
            progress.warn("no index of " + entity.qualifiedTable() + " starts with the key " + entity.key() + " of entity "
                    + entity.name() + ": each page reads and sorts the whole table; index the key (or map the entity's"
                    + " key to the primary key) before backfilling a large table");
        }
        Optional<Backfills.Run> open;
        try (Connection c = state.connection()) {
            open = backfills.running(c, flow.name());
        }
        if (open.isPresent() && !request.restart() && request.where() != null
                && !request.where().equals(open.get().where())) {
            throw new Refused("flow " + flow.name() + " has an interrupted backfill "
                    + (open.get().where() == null ? "of every row" : "with --where \"" + open.get().where() + "\"")
                    + " after " + open.get().scanned() + " rows; run `startyhook flows backfill " + flow.name()
                    + "` without --where to resume it, or add --restart to start a new one with this --where");
        }
        String where = open.isPresent() && !request.restart() ? open.get().where() : request.where();
        checkOnTable(entity, where); // before --restart cancels anything
        if (open.isPresent() && request.restart()) {
            try (Connection c = state.connection()) {
                backfills.finish(c, open.get().id(), "cancelled");
            }
            open = Optional.empty();
        }
        Backfills.Run run;
        boolean resumed = open.isPresent();
        Long estimate = resumed ? null : estimate(entity); // read before taking a connection of the state database
        try (Connection c = state.connection()) {
            if (open.isPresent()) {
                run = open.get();
                if (request.rate() != null && request.rate() != run.rate()) {
                    backfills.rate(c, run.id(), request.rate());
                    run = backfills.running(c, flow.name()).orElseThrow();
                }
            } else {
                run = backfills.start(c, flow.name(), where,
                        request.rate() == null ? DEFAULT_RATE : request.rate(), estimate, request.by());
            }
        }
        progress.report(run, 0, null, resumed);
        String pageSql = pageSql(entity, keyTypes, where);
        int pageSize = Math.max(1, Math.min(MAX_PAGE, run.rate() / 4));
        long started = System.nanoTime();
        long readThisRun = 0;
        List<String> cursor = run.cursor();
        while (true) {
            List<Row> page;
            try {
                page = read(entity, pageSql, cursor, pageSize);
            } catch (SQLException e) {
                throw interrupted(flow, run, "reading " + entity.qualifiedTable() + " failed", e);
            }
            if (page.isEmpty()) {
                try (Connection c = state.connection()) {
                    boolean finished = backfills.finish(c, run.id(), "done");
                    run = backfills.lockRow(c, run.id()).orElseThrow();
                    if (!finished) {
                        throw new Refused("the backfill of flow " + flow.name() + " was " + run.status() + " after "
                                + run.scanned() + " rows; it stopped");
                    }
                }
                progress.report(run, rate(readThisRun, started), Duration.ZERO, resumed);
                return run;
            }
            Backfills.Run before = run;
            try (Connection c = state.connection()) {
                run = Transactions.inTransaction(c, tx -> write(tx, flow, trigger, entity, before, page));
            } catch (Refused e) {
                throw e;
            } catch (SQLException e) {
                throw interrupted(flow, before, "writing its actions failed", e);
            }
            cursor = run.cursor();
            readThisRun += page.size();
            double speed = rate(readThisRun, started);
            Duration eta = run.estimatedRows() == null || run.estimatedRows() <= run.scanned() || speed <= 0 ? null
                    : Duration.ofSeconds((long) Math.ceil((run.estimatedRows() - run.scanned()) / speed));
            progress.report(run, speed, eta, resumed);
            throttle(started, readThisRun, run.rate());
        }
    }

    private static double rate(long rows, long startedNanos) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        return seconds <= 0 ? 0 : rows / seconds;
    }

    /** Sleeps until {@code rows} rows since {@code startedNanos} are no faster than {@code rate} a second. */
    private static void throttle(long startedNanos, long rows, int rate) {
        long due = startedNanos + (long) (rows * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Refused("the backfill was interrupted; run `startyhook flows backfill` again to resume it");
            }
        }
    }

    private static Interrupted interrupted(Flow flow, Backfills.Run run, String what, SQLException e) {
        return new Interrupted("the backfill of flow " + flow.name() + " stopped after " + run.scanned()
                + " rows: " + what + ": " + rootMessage(e) + "; the pages before are committed: run `startyhook"
                + " flows backfill " + flow.name() + "` again to resume from there", e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage()).lines().findFirst().orElse("");
    }

    /** One row read: its key as text (the cursor), whether --where selected it, its values by column. */
    private record Row(List<String> key, boolean selected, Map<String, Object> values) {}

    /**
     * The page's transaction: checks the backfill still runs and the flow is still active, remembers
     * once-per-element firings, enqueues the actions and advances the cursor; returns the backfill after it.
     */
    private Backfills.Run write(Connection tx, Flow flow, EventTrigger trigger, Entity entity, Backfills.Run before,
            List<Row> page) throws SQLException {
        Backfills.Run now = backfills.lockRow(tx, before.id()).orElseThrow();
        if (!now.running()) {
            throw new Refused("the backfill of flow " + flow.name() + " was " + now.status() + " after "
                    + now.scanned() + " rows (`flows backfill " + flow.name() + " --cancel`?); it stopped");
        }
        if (!Objects.equals(now.cursor(), before.cursor())) {
            throw new Refused("the backfill of flow " + flow.name() + " was advanced by another process; it stopped");
        }
        if (!stillActive(tx, flow)) {
            throw new Refused("flow " + flow.name() + " was deactivated or changed while its backfill ran; it stopped"
                    + " after " + now.scanned() + " rows: activate it and run `startyhook flows backfill " + flow.name()
                    + "` to resume");
        }
        Instant occurredAt = clock.instant();
        record Firing(Row row, Detection detection, String element, String organization) {}
        List<Firing> firings = new ArrayList<>();
        for (Row r : page) {
            if (!r.selected()) {
                continue;
            }
            Detection d = detect(trigger, entity, r.values()::get);
            if (d == null || !Criteria.allHold(flow.criteria(), r.values()::get)) {
                continue;
            }
            String organization = PayloadBuilder.organization(entity, r.values()::get);
            if (!flow.organizations().includes(organization)) {
                continue;
            }
            firings.add(new Firing(r, d, PayloadBuilder.elementId(entity, r.values()::get), organization));
        }
        List<Firing> kept = firings;
        if (flow.mode() == ExecutionMode.ONCE_PER_ELEMENT && !firings.isEmpty()) {
            Set<String> fresh = memory.remember(tx, firings.stream().map(f -> flow.name()).toList(),
                    firings.stream().map(Firing::element).toList());
            kept = firings.stream().filter(f -> fresh.contains(flow.name() + '\u0000' + f.element())).toList();
        }
        List<NewAction> actions = new ArrayList<>();
        Map<String, Object> marks = Map.of("backfill", true);
        for (Firing f : kept) {
            Map<String, Object> context = new java.util.LinkedHashMap<>();
            flow.context().forEach((field, column) -> context.put(field, Values.json(f.row().values().get(column))));
            Payload payload = PayloadBuilder.payload(flow.name(), entity, f.detection(), f.row().values()::get,
                    f.element(), f.organization(), occurredAt, context, marks);
            for (int i = 0; i < flow.actions().size(); i++) {
                actions.add(NewAction.of(flow, i, "backfill:" + before.id() + ':' + flow.name() + ':' + i + ':'
                        + f.element(), "backfill", "backfill " + before.id(), payload, f.organization()));
            }
        }
        int inserted = outbox.enqueue(tx, actions);
        List<String> last = page.get(page.size() - 1).key();
        backfills.advance(tx, before.id(), last, page.size(), firings.size(), kept.size(),
                firings.size() - kept.size(), inserted);
        return backfills.lockRow(tx, before.id()).orElseThrow();
    }

    private boolean stillActive(Connection tx, Flow flow) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT active_hash FROM " + state.table("flow_activation")
                + " WHERE flow_name = ?")) {
            ps.setString(1, flow.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && flow.contentHash().equals(rs.getString(1));
            }
        }
    }

    /**
     * The event a row that exists fires, from its current values: the first of the flow's events in the live
     * order (create, confirm, become, change, update) that the row's state can be: every row was created
     * (create), a confirmed document (confirm), a row whose property has the value (become), any row (change,
     * update). Null when the row fires none (not confirmed, not of the value).
     */
    static Detection detect(EventTrigger t, Entity entity, java.util.function.Function<String, Object> row) {
        if (t.events().contains(EventType.CREATE)) {
            return Detection.of(EventType.CREATE);
        }
        if (t.events().contains(EventType.CONFIRM) && entity.confirm() != null) {
            Object value = row.apply(entity.confirm().property());
            for (Object v : entity.confirm().values()) {
                if (Values.known(value) && Values.matches(value, v)) {
                    return new Detection(EventType.CONFIRM, entity.confirm().property(), null, value);
                }
            }
        }
        if (t.events().contains(EventType.BECOME) && t.property() != null) {
            Object value = row.apply(t.property());
            if (Values.known(value) && Values.matches(value, t.value())) {
                return new Detection(EventType.BECOME, t.property(), null, value);
            }
        }
        if (t.events().contains(EventType.CHANGE) && t.property() != null) {
            return new Detection(EventType.CHANGE, t.property(), null, row.apply(t.property()));
        }
        if (t.events().contains(EventType.UPDATE)) {
            return Detection.of(EventType.UPDATE);
        }
        return null;
    }

    // ---- reading the ERP's table --------------------------------------------------------------------------

    /** The key columns' SQL types, from the ERP's catalog; refuses a table or key column that does not exist. */
    private Map<String, String> keyTypes(Entity entity) throws SQLException {
        Map<String, String> types = new HashMap<>();
        try (Connection c = erp.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
                        + " FROM pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attnum > 0"
                        + " AND NOT a.attisdropped AND a.attname = ANY(?)")) {
            ps.setString(1, quote(entity.schema()) + "." + quote(entity.table()));
            ps.setArray(2, c.createArrayOf("text", entity.key().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        for (String k : entity.key()) {
            if (!types.containsKey(k)) {
                throw new Refused("entity " + entity.name() + ": " + (types.isEmpty() ? "table "
                        + entity.qualifiedTable() + " or its key column " + k : "key column " + k + " of "
                        + entity.qualifiedTable()) + " does not exist in the ERP database; fix entities.json");
            }
        }
        return types;
    }

    /** Whether an index (not partial) of the table starts with the key's columns, in order: pages use it. */
    private boolean keyIndexed(Entity entity) throws SQLException {
        try (Connection c = erp.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_index i"
                        + " WHERE i.indrelid = to_regclass(?) AND i.indpred IS NULL AND (SELECT array_agg(a.attname::text"
                        + " ORDER BY k.n) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a"
                        + " ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE k.n <= ?) = ?::text[])")) {
            ps.setString(1, table(entity));
            ps.setInt(2, entity.key().size());
            ps.setArray(3, c.createArrayOf("text", entity.key().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Has PostgreSQL check --where against the table (EXPLAIN, nothing read), naming the problem. */
    private void checkOnTable(Entity entity, String where) throws SQLException {
        if (where == null) {
            return;
        }
        try (Connection c = erp.getConnection()) {
            Transactions.inTransaction(c, tx -> {
                readOnly(tx);
                try (PreparedStatement ps = tx.prepareStatement("EXPLAIN SELECT 1 FROM " + table(entity)
                        + " WHERE (" + where + ")")) {
                    ps.execute();
                }
                return null;
            });
        } catch (SQLException e) {
            if (e.getSQLState() != null && (e.getSQLState().startsWith("42") || e.getSQLState().startsWith("22"))) {
                throw new Refused("--where \"" + where + "\" does not work on " + entity.qualifiedTable() + ": "
                        + rootMessage(e) + "; fix the expression (columns of " + entity.qualifiedTable() + ")");
            }
            throw e;
        }
    }

    /** The table's row estimate (pg_class.reltuples, as planned), or null when it was never analyzed. */
    private Long estimate(Entity entity) throws SQLException {
        try (Connection c = erp.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)")) {
            ps.setString(1, quote(entity.schema()) + "." + quote(entity.table()));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long n = rs.getLong(1);
                    return n <= 0 ? null : n; // -1: never analyzed
                }
                return null;
            }
        }
    }

    /**
     * One page: the next rows after the cursor in key order, each with whether --where selects it (evaluated on
     * the page's rows only, so a page costs the same however few rows the expression selects).
     */
    private static String pageSql(Entity entity, Map<String, String> keyTypes, String where) {
        // qualified: the select list repeats the key columns as text, under the same names
        String keys = entity.key().stream().map(k -> table(entity) + "." + quote(k)).collect(Collectors.joining(", "));
        String casts = entity.key().stream().map(k -> "CAST(? AS " + keyTypes.get(k) + ")")
                .collect(Collectors.joining(", "));
        String keyTexts = entity.key().stream().map(k -> quote(k) + "::text").collect(Collectors.joining(", "));
        return "SELECT *, (" + (where == null ? "true" : where) + ") IS TRUE, " + keyTexts + " FROM " + table(entity)
                + " WHERE (" + keys + ") > (" + casts + ") ORDER BY " + keys + " LIMIT ?";
    }

    /** The first page's statement: {@code sql} without the cursor's condition. */
    private static String firstPage(String sql) {
        int where = sql.lastIndexOf(" WHERE (");
        int order = sql.lastIndexOf(" ORDER BY ");
        return sql.substring(0, where) + sql.substring(order);
    }

    private List<Row> read(Entity entity, String sql, List<String> cursor, int pageSize) throws SQLException {
        try (Connection c = erp.getConnection()) {
            return Transactions.inTransaction(c, tx -> {
                readOnly(tx);
                try (PreparedStatement ps = tx.prepareStatement(cursor == null ? firstPage(sql) : sql)) {
                    int p = 1;
                    for (int i = 0; cursor != null && i < entity.key().size(); i++) {
                        ps.setString(p++, cursor.get(i));
                    }
                    ps.setInt(p, pageSize);
                    List<Row> rows = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        ResultSetMetaData md = rs.getMetaData();
                        int keys = entity.key().size();
                        int columns = md.getColumnCount() - keys - 1;
                        while (rs.next()) {
                            Map<String, Object> values = new LinkedHashMap<>();
                            for (int i = 1; i <= columns; i++) {
                                values.put(md.getColumnName(i), PgValues.read(rs, i, md.getColumnTypeName(i), sourceZone));
                            }
                            List<String> key = new ArrayList<>(keys);
                            for (int i = 0; i < keys; i++) {
                                key.add(rs.getString(columns + 2 + i));
                            }
                            rows.add(new Row(key, rs.getBoolean(columns + 1), values));
                        }
                    }
                    return rows;
                }
            });
        }
    }

    private static void readOnly(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SET TRANSACTION READ ONLY")) {
            ps.execute();
        }
        try (PreparedStatement ps = tx.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
            ps.setString(1, Long.toString(READ_TIMEOUT.toMillis()));
            ps.execute();
        }
    }

    private static String table(Entity entity) {
        return quote(entity.schema()) + "." + quote(entity.table());
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
