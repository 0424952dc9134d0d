package com.startyhook.capture;

import com.startyhook.store.PgValues;
import java.time.ZoneId;
import java.util.Set;

/**
 * What reading a row's values needs beyond the row (docs/rules.md, "Value forms").
 *
 * @param zone         the zone of the source's {@code timestamp} (without time zone) values ({@code capture.source-time-zone})
 * @param numericTypes the upper-case names of the types whose values Debezium sends as text but that are
 *                     numbers: {@code NUMERIC}, {@code DECIMAL}, {@code MONEY} and the source's domains over them
 */
record ValueReading(ZoneId zone, Set<String> numericTypes) {
    static final Set<String> NUMERIC_TYPES = Set.of("NUMERIC", "DECIMAL", "MONEY");
    static final ValueReading DEFAULT = new ValueReading(PgValues.DEFAULT_SOURCE_TIME_ZONE, NUMERIC_TYPES);

    ValueReading {
        numericTypes = Set.copyOf(numericTypes);
    }
}
