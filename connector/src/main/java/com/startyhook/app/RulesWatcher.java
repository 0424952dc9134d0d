package com.startyhook.app;

import com.startyhook.rules.Flow;
import com.startyhook.rules.LiveValidator;
import com.startyhook.rules.Problem;
import com.startyhook.rules.RuleFiles;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Activations;
import com.startyhook.store.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the rule files on disk and the activations in the database (docs/rules.md): re-reads and
 * re-validates the rules when a file changed, re-reads the activations each time, and says when
 * the set of active flows (name, content and activation) changed, so the services can be told.
 * An edited flow has a new content hash, so it is no longer active until activated again.
 */
final class RulesWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RulesWatcher.class);

    private final Path dir;
    /** The connector's state database (activations). */
    private final Database database;
    /** The ERP database, whose catalog the rules are checked against. */
    private final javax.sql.DataSource erp;
    private final Secrets secrets;
    private final boolean allowInsecureUrls;
    private final com.startyhook.net.AddressPolicy addresses;
    private volatile ValidatedRules rules;
    private volatile Map<String, Activations.Activation> activations = Map.of();
    private volatile String fingerprint = "";

    RulesWatcher(Path dir, Database database, javax.sql.DataSource erp, Secrets secrets, boolean allowInsecureUrls,
            com.startyhook.net.AddressPolicy addresses) {
        this.dir = dir;
        this.database = database;
        this.erp = erp;
        this.secrets = secrets;
        this.allowInsecureUrls = allowInsecureUrls;
        this.addresses = addresses;
    }

    /** A consistent view of the rules and activations, taken together. */
    record Snapshot(ValidatedRules rules, Map<String, Activations.Activation> activations) {
        /** The active flows and their content and activation: when it changes, the services are told. */
        String activeKey() {
            StringBuilder b = new StringBuilder();
            for (Flow f : rules.rules().flows().values()) {
                Activations.Activation a = activations.get(f.name());
                if (a != null && a.isActiveFor(f.contentHash())) {
                    b.append(f.name()).append('=').append(f.contentHash()).append('@').append(a.activatedAt())
                            .append(';');
                }
            }
            return b.toString();
        }

        int activeFlows() {
            String key = activeKey();
            return key.isEmpty() ? 0 : key.split(";").length;
        }
    }

    private volatile Snapshot snapshot;

    /** The last snapshot; null before the first {@link #reload}. */
    Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Re-reads the activations, and the rules when a file changed.
     *
     * @return true when rules or activations changed
     */
    synchronized boolean reload(boolean initial) throws SQLException {
        String current = fingerprint(dir);
        Map<String, Activations.Activation> stored = new Activations(database).all();
        boolean rulesChanged = !current.equals(fingerprint);
        if (rulesChanged) {
            ValidatedRules loaded = new RulesLoader(secrets, allowInsecureUrls, addresses).load(dir);
            ValidatedRules live;
            try (Connection c = erp.getConnection()) {
                live = new LiveValidator(c).validate(loaded.rules());
            }
            List<Problem> problems = Stream.concat(loaded.problems().stream(), live.problems().stream()).toList();
            ValidatedRules previous = rules;
            // a bad edit never stops a running flow: it keeps its last good version until the file is fixed
            ValidatedRules.Kept kept = new ValidatedRules(live.rules(), problems, loaded.warnings())
                    .keepingLastGoodOf(previous);
            problems.forEach(p -> LOG.warn("Rule problem: {}", p));
            loaded.warnings().forEach(w -> LOG.warn("Rule warning: {}", w));
            kept.flows().forEach(name -> LOG.warn("Flow {} keeps running its last good version until its file is"
                    + " fixed (see the rule problems above)", name));
            rules = kept.rules();
            fingerprint = current;
            logStates(previous, stored, initial);
        }
        boolean activationsChanged = !stored.equals(activations);
        activations = stored;
        if (rulesChanged || activationsChanged || snapshot == null) {
            snapshot = new Snapshot(rules, stored);
            return true;
        }
        return false;
    }

    private void logStates(ValidatedRules previous, Map<String, Activations.Activation> stored, boolean initial) {
        for (Flow f : rules.rules().flows().values()) {
            Flow before = previous == null ? null : previous.rules().flows().get(f.name());
            Activations.Activation a = stored.get(f.name());
            boolean active = a != null && a.isActiveFor(f.contentHash());
            if (initial) {
                LOG.info("Flow {}: {}", f.name(), active ? "active"
                        : a != null && a.activeHash() != null ? "modified since activation: inactive until"
                                + " `startyhook flows activate " + f.name() + "`" : "inactive");
            } else if (before == null) {
                LOG.info("New flow {} ({}): inactive until `startyhook flows activate {}`", f.name(), f.file(),
                        f.name());
            } else if (!before.contentHash().equals(f.contentHash()) && a != null && a.activeHash() != null) {
                LOG.warn("Flow {} changed on disk: inactive until `startyhook flows activate {}`", f.name(), f.name());
            }
        }
    }

    /** A hash of every rule file's name and content, and of the other entries of flows/; opens regular files only. */
    static String fingerprint(Path dir) {
        return RuleFiles.fingerprint(dir);
    }
}
