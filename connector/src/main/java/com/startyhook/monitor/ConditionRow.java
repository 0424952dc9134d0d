package com.startyhook.monitor;

import java.util.Map;

/**
 * One row of a condition's result: an element that satisfies the condition.
 *
 * @param organization the row's {@code organization} column as text, null when absent or null
 * @param context      the payload's context: {@code organization} (when the query returns it), then the
 *                     row's other columns in query order
 */
record ConditionRow(String id, String organization, String fingerprint, Map<String, Object> context) {}
