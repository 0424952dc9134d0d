package com.startyhook.ops;

import com.startyhook.StartyHookException;
import com.startyhook.outbox.NewAction;
import com.startyhook.outbox.OutboxWriter;
import com.startyhook.outbox.Payload;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventType;
import com.startyhook.rules.Flow;
import com.startyhook.rules.Rules;
import com.startyhook.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Fires a flow for one element now ({@code flows fire NAME --element ID}): to test a receiver, or to
 * send again after a fix. The actions carry {@code "manual": true} in their context; the event is
 * the flow's first event ({@code condition} for condition flows).
 */
public final class ManualRun {
    /** A manual firing that cannot be done; the message says why. */
    public static final class Refused extends StartyHookException {
        Refused(String message) {
            super(message);
        }
    }

    private final Database database;
    private final javax.sql.DataSource erp;
    private final Clock clock;

    public ManualRun(Database database, Clock clock) {
        this(database, database.dataSource(), clock);
    }

    /**
     * @param database the connector's state database, where the actions go
     * @param erp      the ERP database, where the element's row is read
     */
    public ManualRun(Database database, javax.sql.DataSource erp, Clock clock) {
        this.database = database;
        this.erp = erp;
        this.clock = clock;
    }

    /** Enqueues the flow's actions for the element; returns their ids. */
    public List<Long> fire(Rules rules, String flowName, String elementId) throws SQLException {
        Flow flow = rules.flows().get(flowName);
        if (flow == null) {
            throw new Refused("no flow named '" + flowName + "' in " + rules.directory() + "; `startyhook flows` lists them");
        }
        Entity entity = rules.entityOf(flow);
        if (entity == null) {
            throw new Refused("flow '" + flowName + "' fires for " + flow.elementKind() + " elements of its query, which"
                    + " names no entity of entities.json, so there is no row to load for a manual run; it fires on its own"
                    + " when an element enters or changes in the query's result");
        }
        String[] keyValues = elementId.split("\\|", -1);
        if (keyValues.length != entity.key().size()) {
            throw new Refused("entity " + entity.name() + " has a key of " + entity.key().size()
                    + " column(s) " + entity.key() + "; give the element as " + String.join("|", entity.key()));
        }
        Instant now = clock.instant();
        String event = flow.trigger() instanceof EventTrigger e
                ? e.events().stream().map(EventType::wireName).sorted().findFirst().orElse("manual")
                : "condition";
        Map<String, Object> row;
        try (Connection e = erp.getConnection()) {
            row = loadRow(e, entity, keyValues);
        }
        if (row == null) {
            throw new Refused(entity.name() + " " + elementId + " does not exist in " + entity.qualifiedTable());
        }
        try (Connection c = database.connection()) {
            String organization = entity.organization() == null ? null : str(row.get(entity.organization()));
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("organization", organization);
            context.put("table", entity.qualifiedTable());
            context.put("manual", true);
            Payload payload = new Payload(elementId, event, entity.name(), flow.name(), context,
                    instant(row, entity.created()), instant(row, entity.modified()), now);
            String run = UUID.randomUUID().toString();
            List<NewAction> actions = new ArrayList<>();
            for (int i = 0; i < flow.actions().size(); i++) {
                actions.add(NewAction.of(flow, i, "manual:" + flow.name() + ":" + i + ":" + elementId + ":" + run,
                        "manual", now.toString(), payload, organization));
            }
            new OutboxWriter(database).enqueue(c, actions);
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + database.table("action")
                    + " WHERE message_id = ANY(?) ORDER BY id")) {
                ps.setArray(1, c.createArrayOf("uuid", actions.stream().map(NewAction::messageId).toArray()));
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                return ids;
            }
        }
    }

    private static Map<String, Object> loadRow(Connection c, Entity entity, String[] keyValues) throws SQLException {
        String where = entity.key().stream().map(k -> quote(k) + "::text = ?").collect(Collectors.joining(" AND "));
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + quote(entity.schema()) + "."
                + quote(entity.table()) + " WHERE " + where)) {
            for (int i = 0; i < keyValues.length; i++) {
                ps.setString(i + 1, keyValues[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
                }
                return row;
            }
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static Instant instant(Map<String, Object> row, String column) {
        if (column == null) {
            return null;
        }
        Object v = row.get(column);
        if (v instanceof Timestamp t) {
            return t.toInstant();
        }
        if (v instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        return null;
    }
}
