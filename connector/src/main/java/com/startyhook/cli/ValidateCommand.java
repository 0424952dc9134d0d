package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.capture.CaptureConfig;
import com.startyhook.events.FlowCheck;
import com.startyhook.net.AddressPolicy;
import com.startyhook.rules.LiveValidator;
import com.startyhook.rules.Problem;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Database;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "validate", header = "Validates the rule files, against the live database when --db is given.", mixinStandardHelpOptions = true,
        description = {"Validates the rule files (entities.json and flows/*.json), against the live database when --db "
                + "(or STARTYHOOK_DB_URL) is given.", "Prints every problem with its file, JSON pointer and fix; exits 0 "
                + "when the rules are clean, 1 when not. Without --db (or --check-secrets) a secret reference that does "
                + "not resolve here is a warning, not a problem."})
final class ValidateCommand extends Subcommand {
    @Mixin
    RulesOption rules;

    /** The ERP database to check against; without a URL the rules are checked on their own. */
    @Mixin
    ConnectionOptions database;

    @Option(names = "--allow-insecure-urls", description = "Accept http:// webhook URLs (for a local test receiver).")
    boolean allowInsecureUrls;

    @Option(names = "--allow-private-hosts", paramLabel = "LIST",
            description = "Hosts, addresses and CIDR ranges that webhook URLs may name although private, loopback or "
                    + "link-local, e.g. 127.0.0.1,10.20.0.0/16 (default: $" + AddressPolicy.ENVIRONMENT_VARIABLE
                    + ", the connector's delivery.allowed-private-hosts).")
    String allowPrivateHosts;

    @Option(names = "--publication", paramLabel = "NAME", description = "The publication capture reads, to check that"
            + " the event flows' tables are in it when an administrator manages it (default: $"
            + "STARTYHOOK_CAPTURE_PUBLICATION, else startyhook).")
    String publication;

    @Option(names = "--check-secrets", description = "Fail when a secret reference does not resolve in this environment "
            + "(implied by --db). Without it an unresolvable reference is a warning, so that validate runs in CI without "
            + "the production secrets; run always refuses it.")
    boolean checkSecrets;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        AddressPolicy addresses = AddressPolicy.parse(allowPrivateHosts != null ? allowPrivateHosts
                : environment.get(AddressPolicy.ENVIRONMENT_VARIABLE));
        String url = database.urlOrNull(environment);
        RulesLoader loader = new RulesLoader(new Secrets(environment), allowInsecureUrls, addresses);
        ValidatedRules loaded = (url != null || checkSecrets ? loader : loader.withUnresolvedSecretsAsWarnings())
                .load(rules.dir());
        List<Problem> problems = new ArrayList<>(loaded.problems());
        ValidatedRules result = loaded;
        if (url != null) {
            try (Connection c = database.connect(url, environment, "startyhook validate")) {
                c.setReadOnly(true);
                result = new LiveValidator(c).validate(loaded.rules());
                problems.addAll(result.problems());
                problems.addAll(captureAccess(c, result.rules()));
            } catch (SQLException e) {
                throw new ConfigurationException("cannot connect to " + Database.redactUrl(url) + ": "
                        + e.getMessage() + "; " + database.advice(), e);
            }
        }
        for (Problem p : problems) {
            out.println(p);
        }
        for (Problem w : loaded.warnings()) {
            out.println("warning: " + w);
        }
        // a flow with a capture-access problem (grant, publication) is not valid either
        ValidatedRules checked = result;
        long refused = problems.stream().filter(p -> checked.rules().flows().values().stream()
                .anyMatch(f -> f.file().equals(p.file()))).map(Problem::file).distinct().count();
        int flows = result.rules().flows().size() - (int) refused;
        int warnings = loaded.warnings().size();
        out.printf("%d flow%s valid, %d problem%s%s%s%n", flows, flows == 1 ? "" : "s", problems.size(),
                problems.size() == 1 ? "" : "s", warnings == 0 ? "" : ", " + warnings + " warning" + (warnings == 1 ? "" : "s"),
                url == null ? " (not checked against a database: pass --db)" : "");
        out.flush();
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    /**
     * What the connector's role lacks to capture the valid event flows' tables: SELECT, and the
     * table in the publication (as capture checks it at start).
     */
    private List<Problem> captureAccess(Connection c, com.startyhook.rules.Rules valid) throws SQLException {
        String pub = publication != null ? publication
                : environment.getOrDefault("STARTYHOOK_CAPTURE_PUBLICATION", CaptureConfig.DEFAULT_PUBLICATION_NAME);
        FlowCheck check = new FlowCheck(c, null, pub);
        List<Problem> found = new ArrayList<>();
        for (com.startyhook.rules.Flow flow : valid.flows().values()) {
            if (flow.trigger() instanceof com.startyhook.rules.EventTrigger) {
                String problem = check.accessProblem(valid.entityOf(flow));
                if (problem != null) {
                    int fix = problem.indexOf("; ");
                    found.add(new Problem(flow.file(), "/entity", problem.substring(0, fix),
                            problem.substring(fix + 2)));
                }
            }
        }
        return found;
    }
}
