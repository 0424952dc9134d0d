package com.startyhook.events;

import com.startyhook.capture.CaptureEngine;
import java.util.Map;
import java.util.Set;

/**
 * What the event service is doing, for /health and the console.
 *
 * @param state        IDLE (no active event flow, no engine), STARTING, RUNNING, FAILED (restart pending), STOPPED
 * @param lastError    the last failure of capture, or null
 * @param activeFlows  event flows being matched
 * @param refusedFlows active event flows that cannot run, with the reason and the fix
 * @param tables       tables in the publication
 */
public record EventServiceStatus(CaptureEngine.State state, String lastError, Set<String> activeFlows,
        Map<String, String> refusedFlows, Set<String> tables) {
    public EventServiceStatus {
        activeFlows = Set.copyOf(activeFlows);
        refusedFlows = Map.copyOf(refusedFlows);
        tables = Set.copyOf(tables);
    }
}
