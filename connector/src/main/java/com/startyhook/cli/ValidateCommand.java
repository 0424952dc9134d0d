package com.startyhook.cli;

import com.startyhook.ConfigurationException;
import com.startyhook.net.AddressPolicy;
import com.startyhook.rules.LiveValidator;
import com.startyhook.rules.Problem;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "validate", header = "Validates the rule files, against the live database when --db is given.", mixinStandardHelpOptions = true,
        description = {"Validates the rule files (entities.json and flows/*.json), against the live database when --db "
                + "(or STARTYHOOK_DB_URL) is given.", "Prints every problem with its file, JSON pointer and fix; exits 0 "
                + "when the rules are clean, 1 when not."})
final class ValidateCommand implements Callable<Integer> {
    static final String ENV_URL = "STARTYHOOK_DB_URL";
    static final String ENV_USER = "STARTYHOOK_DB_USER";
    static final String ENV_PASSWORD = "STARTYHOOK_DB_PASSWORD";

    @Spec
    CommandSpec spec;

    @Option(names = "--rules", paramLabel = "DIR", defaultValue = "rules",
            description = "The rules directory (default: ${DEFAULT-VALUE}).")
    Path rules;

    @Option(names = "--db", paramLabel = "URL",
            description = "JDBC URL of the ERP database to check against (default: $" + ENV_URL + ").")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user (default: $" + ENV_USER + ").")
    String dbUser;

    @Option(names = "--db-password-env", paramLabel = "NAME", defaultValue = ENV_PASSWORD,
            description = "Environment variable holding the database password (default: ${DEFAULT-VALUE}).")
    String dbPasswordEnv;

    @Option(names = "--allow-insecure-urls", description = "Accept http:// webhook URLs (for a local test receiver).")
    boolean allowInsecureUrls;

    @Option(names = "--allow-private-hosts", paramLabel = "LIST",
            description = "Hosts, addresses and CIDR ranges that webhook URLs may name although private, loopback or "
                    + "link-local, e.g. 127.0.0.1,10.20.0.0/16 (default: $" + AddressPolicy.ENVIRONMENT_VARIABLE
                    + ", the connector's delivery.allowed-private-hosts).")
    String allowPrivateHosts;

    /** The environment secrets and database settings come from; tests replace it (a package-private seam). */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        AddressPolicy addresses = AddressPolicy.parse(allowPrivateHosts != null ? allowPrivateHosts
                : environment.get(AddressPolicy.ENVIRONMENT_VARIABLE));
        ValidatedRules loaded = new RulesLoader(new Secrets(environment), allowInsecureUrls, addresses).load(rules);
        List<Problem> problems = new ArrayList<>(loaded.problems());
        ValidatedRules result = loaded;
        String url = dbUrl != null ? dbUrl : environment.get(ENV_URL);
        if (url != null && !url.isBlank()) {
            try (Connection c = connect(url)) {
                result = new LiveValidator(c).validate(loaded.rules());
                problems.addAll(result.problems());
            } catch (SQLException e) {
                throw new ConfigurationException("cannot connect to " + url + ": " + e.getMessage()
                        + "; check --db, --db-user and the password in $" + dbPasswordEnv, e);
            }
        }
        for (Problem p : problems) {
            out.println(p);
        }
        int flows = result.rules().flows().size();
        out.printf("%d flow%s valid, %d problem%s%s%n", flows, flows == 1 ? "" : "s", problems.size(),
                problems.size() == 1 ? "" : "s", url == null || url.isBlank() ? " (not checked against a database: pass --db)" : "");
        out.flush();
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    private Connection connect(String url) throws SQLException {
        Properties props = new Properties();
        String user = dbUser != null ? dbUser : environment.get(ENV_USER);
        if (user != null) {
            props.setProperty("user", user);
        }
        String password = environment.get(dbPasswordEnv);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", "startyhook validate");
        Connection c = DriverManager.getConnection(url, props);
        c.setReadOnly(true);
        return c;
    }
}
