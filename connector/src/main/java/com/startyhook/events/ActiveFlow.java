package com.startyhook.events;

import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.Flow;
import java.time.Instant;

/**
 * An event flow that is active, with its entity and the time it was activated: changes committed
 * before that time are not events for it (a flow does not queue what happened while it was inactive).
 */
record ActiveFlow(Flow flow, Entity entity, EventTrigger trigger, Instant activatedAt) {
    boolean activeAt(Instant commitTime) {
        return activatedAt == null || !commitTime.isBefore(activatedAt);
    }
}
