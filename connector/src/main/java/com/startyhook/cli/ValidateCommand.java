package com.startyhook.cli;

import com.startyhook.ConfigurationException;
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
                + "when the rules are clean, 1 when not."})
final class ValidateCommand extends Subcommand {
    @Mixin
    RulesOption rules;

    /** The ERP database to check against; without a URL the rules are checked on their own. */
    @Mixin
    ConnectionOptions database;

    @Option(names = "--allow-insecure-urls", description = "Accept http:// webhook URLs (for a local test receiver).")
    boolean allowInsecureUrls;


    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ValidatedRules loaded = new RulesLoader(new Secrets(environment), allowInsecureUrls).load(rules.dir());
        List<Problem> problems = new ArrayList<>(loaded.problems());
        ValidatedRules result = loaded;
        String url = database.urlOrNull(environment);
        if (url != null) {
            try (Connection c = database.connect(url, environment, "startyhook validate")) {
                c.setReadOnly(true);
                result = new LiveValidator(c).validate(loaded.rules());
                problems.addAll(result.problems());
            } catch (SQLException e) {
                throw new ConfigurationException("cannot connect to " + Database.redactUrl(url) + ": "
                        + e.getMessage() + "; " + database.advice(), e);
            }
        }
        for (Problem p : problems) {
            out.println(p);
        }
        int flows = result.rules().flows().size();
        out.printf("%d flow%s valid, %d problem%s%s%n", flows, flows == 1 ? "" : "s", problems.size(),
                problems.size() == 1 ? "" : "s", url == null ? " (not checked against a database: pass --db)" : "");
        out.flush();
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }
}
