package com.startyhook.rules;

import java.util.Set;

/** All organizations, or a list of organization ids (compared as strings). */
public record OrganizationScope(boolean all, Set<String> organizations) {
    public static final OrganizationScope ALL = new OrganizationScope(true, Set.of());

    public OrganizationScope {
        organizations = Set.copyOf(organizations);
    }

    public static OrganizationScope of(Set<String> organizations) {
        return new OrganizationScope(false, organizations);
    }

    /** Whether an element of {@code organization} (null when the entity has none) is in scope. */
    public boolean includes(String organization) {
        return all || (organization != null && organizations.contains(organization));
    }
}
