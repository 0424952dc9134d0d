package com.startyhook.monitor;

import com.startyhook.store.PgValues;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the rows of a condition's result set into {@link ConditionRow}s: finds the {@code id} and
 * {@code organization} columns, reads every value as {@link PgValues} does for capture (so a column has
 * the same JSON form in a condition flow's payload as in an event flow's), and fingerprints the row.
 */
final class ReadConditionRows {
    /** Column 1 is the wrapper's id text ({@link ConditionQuery#ID_COLUMN}); the query's own columns follow. */
    private static final int FIRST_QUERY_COLUMN = 2;
    private final String flowName;
    private final int columns;
    private final List<String> names = new ArrayList<>();
    private final String[] types;
    private final ZoneId sourceZone;
    private final int idColumn;
    private final int organizationColumn;
    private final Fingerprint fingerprint = new Fingerprint();

    ReadConditionRows(String flowName, ResultSetMetaData meta, ZoneId sourceZone) throws SQLException {
        this.flowName = flowName;
        this.sourceZone = sourceZone;
        this.columns = meta.getColumnCount();
        this.types = new String[columns + 1];
        int id = -1;
        int organization = -1;
        for (int i = FIRST_QUERY_COLUMN; i <= columns; i++) {
            String name = meta.getColumnLabel(i);
            names.add(name);
            types[i] = meta.getColumnTypeName(i);
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("id") && id < 0) {
                id = i;
            } else if (lower.equals("organization") && organization < 0) {
                organization = i;
            }
        }
        if (id < 0) {
            throw new MonitorException("the query of flow " + flowName + " returns no id column (it returns "
                    + names + "); return each element's key as a column named id, e.g. SELECT p.id, ... or"
                    + " SELECT product_id AS id, ...");
        }
        this.idColumn = id;
        this.organizationColumn = organization;
    }

    /** Reads the current row of {@code rs}. */
    ConditionRow read(ResultSet rs) throws SQLException {
        List<Object> values = new ArrayList<>(columns);
        for (int i = FIRST_QUERY_COLUMN; i <= columns; i++) {
            values.add(value(rs, i));
        }
        String id = rs.getString(1);
        if (id == null) {
            throw new MonitorException("the query of flow " + flowName + " returned a row whose id is null; every"
                    + " row must identify its element (filter out rows without one, e.g. WHERE ... id IS NOT NULL)");
        }
        String organization = organizationColumn > 0 ? rs.getString(organizationColumn) : null;
        Map<String, Object> context = new LinkedHashMap<>();
        if (organizationColumn > 0) {
            context.put("organization", organization);
        }
        for (int i = FIRST_QUERY_COLUMN; i <= columns; i++) {
            if (i != idColumn && i != organizationColumn) {
                context.put(names.get(i - FIRST_QUERY_COLUMN), PgValues.json(values.get(i - FIRST_QUERY_COLUMN)));
            }
        }
        return new ConditionRow(id, organization, fingerprint.of(names, values), context);
    }

    /** The value in the form capture gives the same column (docs/rules.md, "Value forms"). */
    private Object value(ResultSet rs, int i) throws SQLException {
        return PgValues.read(rs, i, types[i], sourceZone);
    }
}
