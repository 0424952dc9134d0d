package com.startyhook.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The demo ERP schema shipped in {@code sql/demo/erp_schema.sql}. */
public final class DemoSchema {
    private DemoSchema() {}

    public static String sql() {
        try (InputStream in = DemoSchema.class.getResourceAsStream("/startyhook/sql/demo/erp_schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("sql/demo/erp_schema.sql is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
