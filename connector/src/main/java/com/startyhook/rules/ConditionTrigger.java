package com.startyhook.rules;

import java.time.Duration;

/**
 * Fires for elements of a read-only query's result set (docs/monitor.md): when an element enters it or
 * its row changes while it stays in it.
 *
 * @param query            read-only SQL returning an {@code id} column, optional {@code organization};
 *                         may use {@code :since}
 * @param interval         time between scans
 * @param timeout          statement timeout of one scan
 * @param fireOnFirstScan  fire for the elements present at the first scan instead of taking a baseline
 * @param element          the kind of element the query returns, when the flow has no entity (the
 *                         query's {@code id} is then the element's key); null when the flow names an
 *                         entity of entities.json
 */
public record ConditionTrigger(String query, Duration interval, Duration timeout, boolean fireOnFirstScan,
        String element) implements Trigger {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** A trigger of a flow that names an entity. */
    public ConditionTrigger(String query, Duration interval, Duration timeout, boolean fireOnFirstScan) {
        this(query, interval, timeout, fireOnFirstScan, null);
    }
}
