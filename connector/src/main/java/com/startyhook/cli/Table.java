package com.startyhook.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain aligned text table for command output. Cells longer than the maximum width are cut. */
final class Table {
    private static final int DEFAULT_MAX = 60;
    private final List<String[]> rows = new ArrayList<>();
    private int max = DEFAULT_MAX;

    Table(String... header) {
        rows.add(header);
    }

    /** Cells up to {@code width} characters are printed whole. */
    Table maxWidth(int width) {
        this.max = width;
        return this;
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String s = cells[i] == null ? "" : cells[i].toString().replace('\n', ' ');
            r[i] = s.length() > max ? s.substring(0, max - 1) + "…" : s;
        }
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                b.append(r[i]);
                if (i < columns - 1) {
                    b.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }
}
