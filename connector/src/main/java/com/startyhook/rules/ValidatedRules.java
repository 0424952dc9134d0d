package com.startyhook.rules;

import java.nio.file.Path;
import java.util.List;

/**
 * Rules together with the problems found while loading or checking them. {@code rules} holds only
 * the entities and flows without problems, so the connector can run those while the others are
 * being fixed.
 */
public record ValidatedRules(Rules rules, List<Problem> problems) {
    public ValidatedRules {
        problems = List.copyOf(problems);
    }

    public boolean isClean() {
        return problems.isEmpty();
    }

    /** The problems of one file. */
    public List<Problem> problemsOf(Path file) {
        return problems.stream().filter(p -> p.file().equals(file)).toList();
    }
}
