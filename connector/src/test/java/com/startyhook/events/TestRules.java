package com.startyhook.events;

import com.startyhook.rules.Criterion;
import com.startyhook.rules.Entity;
import com.startyhook.rules.EventTrigger;
import com.startyhook.rules.EventType;
import com.startyhook.rules.ExecutionMode;
import com.startyhook.rules.Flow;
import com.startyhook.rules.OrganizationScope;
import com.startyhook.rules.Rules;
import com.startyhook.rules.WebhookAction;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Rules records for the demo ERP schema, built directly (the JSON loader lives elsewhere). */
final class TestRules {
    static final Entity PROJECT = new Entity("project", "erp", "project", List.of("id"), "organization_id",
            "created_at", "updated_at", null);
    static final Entity CUSTOMER = new Entity("customer", "erp", "customer", List.of("id"), "organization_id",
            "created_at", "updated_at", null);
    static final Entity PRODUCT = new Entity("product", "erp", "product", List.of("id"), "organization_id",
            "created_at", "updated_at", null);
    static final Entity DOCUMENT = new Entity("document", "erp", "document", List.of("id"), "organization_id",
            "created_at", "updated_at", new Entity.Confirm("status", List.of("confirmed", "processing", "done")));
    static final Entity STOCK_MOVEMENT = new Entity("stock_movement", "erp", "stock_movement", List.of("id"),
            "organization_id", "created_at", null, null);
    static final WebhookAction HOOK = new WebhookAction(URI.create("https://receiver.example/hook"), "env:HOOK_SECRET",
            Map.of(), WebhookAction.DEFAULT_TIMEOUT, WebhookAction.DEFAULT_RETRY_SCHEDULE);

    private TestRules() {}

    static Flow flow(String name, Entity entity, EventTrigger trigger) {
        return flow(name, entity, trigger, List.of(), OrganizationScope.ALL, ExecutionMode.EVERY_TIME);
    }

    static Flow flow(String name, Entity entity, EventTrigger trigger, List<Criterion> criteria,
            OrganizationScope scope, ExecutionMode mode) {
        return flow(name, entity, trigger, criteria, scope, mode, List.of(HOOK), "hash-" + name);
    }

    static Flow flow(String name, Entity entity, EventTrigger trigger, List<Criterion> criteria,
            OrganizationScope scope, ExecutionMode mode, List<WebhookAction> actions, String hash) {
        return new Flow(name, "test flow " + name, entity.name(), trigger, criteria, scope, mode, actions,
                Path.of("flows", name + ".json"), hash);
    }

    static EventTrigger on(EventType... events) {
        return new EventTrigger(Set.of(events), null, null, List.of());
    }

    static EventTrigger change(String property) {
        return new EventTrigger(Set.of(EventType.CHANGE), property, null, List.of());
    }

    static EventTrigger become(String property, Object value) {
        return new EventTrigger(Set.of(EventType.BECOME), property, value, List.of());
    }

    static EventTrigger updateOf(String... properties) {
        return new EventTrigger(Set.of(EventType.UPDATE), null, null, List.of(properties));
    }

    static Criterion where(String property, Criterion.Operator op, Object value) {
        return new Criterion(property, op, value);
    }

    static BigDecimal dec(String s) {
        return new BigDecimal(s);
    }

    static Rules rules(Flow... flows) {
        Map<String, Entity> entities = new LinkedHashMap<>();
        for (Entity e : List.of(PROJECT, CUSTOMER, PRODUCT, DOCUMENT, STOCK_MOVEMENT)) {
            entities.put(e.name(), e);
        }
        Map<String, Flow> byName = new LinkedHashMap<>();
        for (Flow f : flows) {
            byName.put(f.name(), f);
        }
        return new Rules(Path.of("rules"), entities, byName);
    }
}
