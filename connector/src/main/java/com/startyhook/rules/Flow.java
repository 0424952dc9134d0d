package com.startyhook.rules;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One flow, from one file in {@code flows/} (docs/rules.md).
 *
 * @param entity      the entity of entities.json the flow is about; null for a condition flow whose
 *                    trigger names its element kind instead ({@link ConditionTrigger#element()})
 * @param contentHash hash of the flow's content and of the entity definition it uses; a flow is
 *                    active only while this equals the hash it was activated with
 * @param context     extra payload context fields of an event flow: name to a column or related value
 */
public record Flow(String name, String description, String entity, Trigger trigger, List<Criterion> criteria,
        OrganizationScope organizations, ExecutionMode mode, List<WebhookAction> actions, Path file,
        String contentHash, Map<String, String> context) {
    public Flow {
        criteria = List.copyOf(criteria);
        actions = List.copyOf(actions);
        context = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(context));
    }

    /** A flow without context fields. */
    public Flow(String name, String description, String entity, Trigger trigger, List<Criterion> criteria,
            OrganizationScope organizations, ExecutionMode mode, List<WebhookAction> actions, Path file,
            String contentHash) {
        this(name, description, entity, trigger, criteria, organizations, mode, actions, file, contentHash, Map.of());
    }

    public boolean isCondition() {
        return trigger instanceof ConditionTrigger;
    }

    /**
     * The kind of element the flow fires for, as payloads and the outbox name it: the entity, or the
     * condition trigger's {@code element} when the flow has no entity.
     */
    public String elementKind() {
        if (entity != null) {
            return entity;
        }
        return trigger instanceof ConditionTrigger c ? c.element() : null;
    }
}
