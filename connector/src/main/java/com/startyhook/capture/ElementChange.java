package com.startyhook.capture;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * The net change of one element (row) over one transaction (docs/capture.md): the old image before its
 * first change and the new image after its last. Insert + updates = a create with the final
 * values; insert + delete = nothing; updates + delete = a delete.
 */
public final class ElementChange {

    /** What happened to the element over the whole transaction. */
    public enum Kind { CREATE, UPDATE, DELETE, NONE }

    /** Returned by {@link #oldValue} when PostgreSQL sent no old image (no REPLICA IDENTITY FULL). */
    public static final Object UNKNOWN = new Object() {
        @Override
        public String toString() {
            return "(unknown)";
        }
    };

    private final String table;
    private final boolean existedBefore;
    private final Struct before;
    /** New images since the element last came into existence, in order; empty when deleted. */
    private final List<Struct> afters = new ArrayList<>(1);
    private boolean existsAfter;
    private long lastLsn;
    /** How values are read: the source time zone and the numeric types. */
    private final ValueReading reading;

    ElementChange(String table, char op, Struct before, Struct after, long lsn, ValueReading reading) {
        this.table = table;
        this.reading = reading;
        this.existedBefore = op != 'c';
        this.before = op == 'c' ? null : before;
        apply(op, after, lsn);
    }

    void apply(char op, Struct after, long lsn) {
        lastLsn = lsn;
        switch (op) {
            case 'c' -> {
                afters.clear();
                afters.add(after);
                existsAfter = true;
            }
            case 'u' -> {
                afters.add(after);
                existsAfter = true;
            }
            case 'd' -> {
                afters.clear();
                existsAfter = false;
            }
            default -> throw new IllegalArgumentException("unexpected op " + op);
        }
    }

    public String table() {
        return table;
    }

    public Kind kind() {
        if (!existedBefore) {
            return existsAfter ? Kind.CREATE : Kind.NONE;
        }
        return existsAfter ? Kind.UPDATE : Kind.DELETE;
    }

    /** The LSN of the element's last change in the transaction: its deterministic log position. */
    public long lastLsn() {
        return lastLsn;
    }

    public boolean hasOldImage() {
        return before != null;
    }

    /** The value before the transaction, {@link #UNKNOWN} without an old image, or {@link ColumnValues#UNAVAILABLE}. */
    public Object oldValue(String column) {
        return before == null ? UNKNOWN : ColumnValues.get(before, column, reading);
    }

    /**
     * The value after the transaction; an unchanged TOASTed value is taken from an earlier image
     * of the same transaction or from the old image, else {@link ColumnValues#UNAVAILABLE}.
     */
    public Object newValue(String column) {
        for (int i = afters.size() - 1; i >= 0; i--) {
            Object v = ColumnValues.get(afters.get(i), column, reading);
            if (v != ColumnValues.UNAVAILABLE) {
                return v;
            }
        }
        if (existedBefore && before != null && !afters.isEmpty()) {
            return ColumnValues.get(before, column, reading);
        }
        return afters.isEmpty() ? null : ColumnValues.UNAVAILABLE;
    }

    /** The newest known value: the new image's, or the old image's for a deleted element. */
    public Object currentValue(String column) {
        return existsAfter ? newValue(column) : (before == null ? null : ColumnValues.get(before, column, reading));
    }

    /** Column names of the row, as the newest image has them. */
    public List<String> columns() {
        Struct row = afters.isEmpty() ? before : afters.get(afters.size() - 1);
        List<String> names = new ArrayList<>();
        if (row != null) {
            for (Field f : row.schema().fields()) {
                names.add(f.name());
            }
        }
        return names;
    }
}
