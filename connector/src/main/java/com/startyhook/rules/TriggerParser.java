package com.startyhook.rules;

import static com.startyhook.rules.FileProblems.at;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reads a flow's {@code trigger}: an {@code event} trigger or a {@code condition} trigger. */
final class TriggerParser {
    static final List<String> TYPES = List.of("event", "condition");
    static final List<String> EVENT_FIELDS = List.of("type", "events", "property", "value", "properties");
    static final List<String> CONDITION_FIELDS = List.of("type", "element", "query", "interval", "timeout", "fireOnFirstScan");
    static final List<String> EVENTS = Arrays.stream(EventType.values()).map(EventType::wireName).toList();
    private static final String P = "/trigger";

    private final FileProblems problems;

    TriggerParser(FileProblems problems) {
        this.problems = problems;
    }

    /** The trigger, or null when it has problems; {@code entity} is null when the flow's entity is unknown. */
    Trigger parse(JsonNode node, Entity entity) {
        if (node == null || !node.isObject()) {
            problems.add(P, "\"trigger\" must be an object, found " + FileProblems.describe(node),
                    "write \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]}");
            return null;
        }
        String type = problems.string(node, "type", P);
        if (type == null) {
            if (!node.has("type")) {
                problems.add(at(P, "type"), "the trigger has no \"type\"", "add \"type\": \"event\" or \"type\": \"condition\"");
            }
            return null;
        }
        return switch (type) {
            case "event" -> event(node, entity);
            case "condition" -> condition(node);
            default -> {
                problems.add(at(P, "type"), "unknown trigger type " + Limits.shown(type), Suggestions.hint(type, TYPES));
                yield null;
            }
        };
    }

    private EventTrigger event(JsonNode node, Entity entity) {
        int before = problems.count();
        problems.checkObject(node, P, "an event trigger", EVENT_FIELDS, List.of("type", "events"));
        List<String> names = problems.strings(node, "events", P, true);
        Set<EventType> events = EnumSet.noneOf(EventType.class);
        for (int i = 0; names != null && i < names.size(); i++) {
            EventType t = EventType.fromWireName(names.get(i));
            if (t == null) {
                problems.add(at(at(P, "events"), i), "unknown event " + Limits.shown(names.get(i)), Suggestions.hint(names.get(i), EVENTS));
            } else {
                events.add(t);
            }
            if (t == EventType.CONFIRM && entity != null && entity.confirm() == null) {
                problems.add(at(at(P, "events"), i), "confirm needs entity \"" + entity.name() + "\" to have a confirm definition",
                        "add \"confirm\": {\"property\": \"status\", \"values\": [\"confirmed\"]} to entity \"" + entity.name()
                                + "\" in entities.json, or use \"become\"");
            }
        }
        boolean changeOrBecome = events.contains(EventType.CHANGE) || events.contains(EventType.BECOME);
        String property = problems.string(node, "property", P);
        if (changeOrBecome && !node.has("property")) {
            problems.add(at(P, "property"), (events.contains(EventType.CHANGE) ? "change" : "become") + " needs a property",
                    "add \"property\": \"status\" (the column to watch)");
        } else if (!changeOrBecome && node.has("property") && !events.isEmpty()) {
            problems.add(at(P, "property"), "\"property\" is only used by the change and become events",
                    "remove it, or add \"change\" or \"become\" to \"events\"");
        }
        JsonNode value = node.get("value");
        if (events.contains(EventType.BECOME) && value == null) {
            problems.add(at(P, "value"), "become needs a value", "add \"value\": \"blocked\" (the value the property becomes; null only if meant)");
        } else if (value != null && !events.contains(EventType.BECOME) && !events.isEmpty()) {
            problems.add(at(P, "value"), "\"value\" is only used by the become event", "remove it, or add \"become\" to \"events\"");
        } else if (value != null && !FileProblems.isScalar(value)) {
            problems.add(at(P, "value"), "\"value\" must be a string, number, boolean or null, found " + FileProblems.describe(value),
                    "write a single value, e.g. \"value\": \"blocked\"");
        }
        List<String> properties = problems.strings(node, "properties", P, false);
        if (properties != null && !events.contains(EventType.UPDATE) && !events.isEmpty()) {
            problems.add(at(P, "properties"), "\"properties\" is only used with the update event",
                    "remove it, or add \"update\" to \"events\"");
        }
        if (problems.count() > before) {
            return null;
        }
        return new EventTrigger(events, property, value == null ? null : FileProblems.scalar(value),
                properties == null ? List.of() : properties);
    }

    private ConditionTrigger condition(JsonNode node) {
        int before = problems.count();
        problems.checkObject(node, P, "a condition trigger", CONDITION_FIELDS, List.of("type", "query", "interval"));
        String query = problems.string(node, "query", P);
        if (query != null && query.length() <= Limits.QUERY_CHARS) {
            QueryShape.Verdict v = QueryShape.check(query);
            if (v.error() != null) {
                problems.add(at(P, "query"), v.error(),
                        "write one SELECT that returns one row per element, with the element's key AS id");
            } else if (v.warning() != null) {
                problems.warn(at(P, "query"), v.warning(), "check it with validate --db");
            }
        }
        Duration interval = problems.duration(node, "interval", P, true);
        Duration timeout = problems.duration(node, "timeout", P, true);
        String element = problems.string(node, "element", P);
        if (element != null) {
            EntitiesParser.checkName(element, at(P, "element"), "element", problems);
        }
        JsonNode first = node.get("fireOnFirstScan");
        if (first != null && !first.isBoolean()) {
            problems.add(at(P, "fireOnFirstScan"), "\"fireOnFirstScan\" must be true or false, found " + FileProblems.describe(first),
                    "write \"fireOnFirstScan\": true");
        }
        if (problems.count() > before) {
            return null;
        }
        return new ConditionTrigger(query, interval, timeout == null ? ConditionTrigger.DEFAULT_TIMEOUT : timeout,
                first != null && first.booleanValue(), element);
    }
}
