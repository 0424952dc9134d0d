package com.startyhook.cli;

import com.startyhook.capture.CaptureConfig;
import com.startyhook.net.AddressPolicy;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "setup-sql", header = "Prints the SQL an administrator runs once so that the connector needs only"
        + " LOGIN, REPLICATION and SELECT.", mixinStandardHelpOptions = true,
        description = {"Prints, for the rules in --rules, the complete set-up of a least-privilege deployment: the"
                + " connector's role (LOGIN REPLICATION, no ownership), its SELECT grants on every table the rules"
                + " read, the publication of the event flows' tables, REPLICA IDENTITY FULL where a flow needs old"
                + " values, and the connector's own database (state.url). Nothing is run: review it, then run it"
                + " with psql as a superuser or as the tables' owner.",
            "Exits 0, or 1 when the rules have problems (they are listed and left out of the SQL)."})
final class SetupSqlCommand extends Subcommand {
    @Mixin
    RulesOption rules;

    @Option(names = "--role", paramLabel = "NAME", defaultValue = "startyhook",
            description = "The connector's role (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--publication", paramLabel = "NAME",
            description = "The publication (default: $STARTYHOOK_CAPTURE_PUBLICATION, else startyhook).")
    String publication;

    @Option(names = "--erp-database", paramLabel = "NAME",
            description = "The ERP database's name, for GRANT CONNECT (default: a comment says where to put it).")
    String erpDatabase;

    @Option(names = "--state-database", paramLabel = "NAME", defaultValue = "startyhook",
            description = "The database of the connector's own schema, created for the role (default: ${DEFAULT-VALUE}).")
    String stateDatabase;

    @Option(names = "--state-in-erp", description = "Keep the connector's schema in the ERP database instead (grants"
            + " CREATE on it: the alternative the README describes).")
    boolean stateInErp;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ValidatedRules loaded = new RulesLoader(new Secrets(environment), true, AddressPolicy.parse(null))
                .withUnresolvedSecretsAsWarnings().load(rules.dir());
        loaded.problems().forEach(p -> err.println(p));
        String pub = publication != null ? publication
                : environment.getOrDefault("STARTYHOOK_CAPTURE_PUBLICATION", CaptureConfig.DEFAULT_PUBLICATION_NAME);
        SetupSql sql = new SetupSql(role, pub, erpDatabase, stateInErp ? null : stateDatabase);
        out.print(sql.render(loaded.rules()));
        out.flush();
        if (!loaded.problems().isEmpty()) {
            err.println(loaded.problems().size() + " problem(s) in the rules: their flows are left out above; fix them"
                    + " and run setup-sql again");
            return ExitCodes.PROBLEMS;
        }
        return ExitCodes.OK;
    }
}
