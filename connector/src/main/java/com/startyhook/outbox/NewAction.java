package com.startyhook.outbox;

import com.startyhook.rules.Flow;
import com.startyhook.rules.WebhookAction;
import java.util.UUID;

/**
 * An action to enqueue: one outbox row.
 *
 * @param dedupKey       unique key of the action's origin; enqueueing the same key twice is a no-op
 *                       (WAL events: flow, action index, LSN; monitor: flow, element, scan)
 * @param source         "event", "condition", "manual" or "backfill"
 * @param sourcePosition LSN or scan time, for troubleshooting
 */
public record NewAction(String dedupKey, String flowName, int actionIndex, String entity, String elementId,
        String organization, String event, String source, String sourcePosition, WebhookAction webhook,
        String payload) {

    /** Builds the action for {@code flow}'s action number {@code index}. */
    public static NewAction of(Flow flow, int index, String dedupKey, String source, String sourcePosition,
            Payload payload, String organization) {
        return new NewAction(dedupKey, flow.name(), index, flow.elementKind(), payload.id(), organization,
                payload.event(), source, sourcePosition, flow.actions().get(index), payload.toJson());
    }

    /** A message id derived from the dedup key: the same origin always gets the same X-StartyHook-Id. */
    public UUID messageId() {
        return UUID.nameUUIDFromBytes(("startyhook:" + dedupKey).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
