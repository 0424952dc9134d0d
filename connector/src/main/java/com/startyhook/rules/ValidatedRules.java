package com.startyhook.rules;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules together with the problems found while loading or checking them. {@code rules} holds only
 * the entities and flows without problems, so the connector can run those while the others are
 * being fixed. {@code warnings} are things worth telling that do not make the rules invalid, such
 * as a file in {@code flows/} that is not a flow.
 */
public record ValidatedRules(Rules rules, List<Problem> problems, List<Problem> warnings) {
    public ValidatedRules {
        problems = List.copyOf(problems);
        warnings = List.copyOf(warnings);
    }

    public ValidatedRules(Rules rules, List<Problem> problems) {
        this(rules, problems, List.of());
    }

    public boolean isClean() {
        return problems.isEmpty();
    }

    /** The problems of one file. */
    public List<Problem> problemsOf(Path file) {
        return problems.stream().filter(p -> p.file().equals(file)).toList();
    }

    /**
     * Hot reload: these rules, except that a flow that {@code running} had and that is now left out
     * because its file (or its entity in entities.json) has problems keeps running in its last good
     * version, with that version's entity, until the file is fixed. A flow whose file was removed
     * goes; a name that a valid flow now uses is not taken back.
     *
     * @return these rules with the kept flows, and the names of the flows kept
     */
    public Kept keepingLastGoodOf(ValidatedRules running) {
        if (running == null) {
            return new Kept(this, List.of());
        }
        Path entitiesFile = rules.directory().resolve(RulesLoader.ENTITIES_FILE);
        boolean entitiesBad = !problemsOf(entitiesFile).isEmpty();
        Map<String, Entity> entities = new LinkedHashMap<>(rules.entities());
        Map<String, Flow> flows = new LinkedHashMap<>(rules.flows());
        java.util.Set<Path> filesNowLoaded = new java.util.HashSet<>();
        rules.flows().values().forEach(f -> filesNowLoaded.add(f.file()));
        List<String> kept = new ArrayList<>();
        for (Flow f : running.rules().flows().values()) {
            if (flows.containsKey(f.name()) || filesNowLoaded.contains(f.file())) {
                continue;
            }
            boolean fileBad = !problemsOf(f.file()).isEmpty();
            if (f.entity() == null) { // a condition flow over no entity: only its own file matters
                if (fileBad) {
                    flows.put(f.name(), f);
                    kept.add(f.name());
                }
                continue;
            }
            boolean entityBad = entitiesBad && !rules.entities().containsKey(f.entity());
            if (!fileBad && !entityBad) {
                continue; // the file was removed, or it is fine and the flow was renamed: nothing to keep
            }
            Entity entity = running.rules().entityOf(f);
            Entity now = entities.get(f.entity());
            if (entity == null || (now != null && !now.equals(entity))) {
                continue; // another flow already runs with the entity's new definition
            }
            entities.put(f.entity(), entity);
            flows.put(f.name(), f);
            kept.add(f.name());
        }
        if (kept.isEmpty()) {
            return new Kept(this, kept);
        }
        return new Kept(new ValidatedRules(new Rules(rules.directory(), entities, flows), problems, warnings), kept);
    }

    /** Rules after {@link #keepingLastGoodOf}, and which flows run in their last good version. */
    public record Kept(ValidatedRules rules, List<String> flows) {}
}
