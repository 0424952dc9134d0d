package com.startyhook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.startyhook.events.Backfill;
import com.startyhook.ops.FlowsReport;
import com.startyhook.outbox.Holds;
import com.startyhook.ops.ManualRun;
import com.startyhook.net.AddressPolicy;
import com.startyhook.rules.Flow;
import com.startyhook.rules.LiveValidator;
import com.startyhook.rules.Problem;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.WhereClause;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.signing.Secrets;
import com.startyhook.store.Activations;
import com.startyhook.store.Backfills;
import com.startyhook.store.Database;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "flows", header = "Lists flows with their state; activates, deactivates and fires them.", mixinStandardHelpOptions = true,
        description = {"Lists flows with their state (active, inactive, modified since activation), trigger, mode,",
            "last run, actions by status, last error and deliveries (running or paused); activates, deactivates,",
            "fires, pauses, resumes and backfills them.",
            "A new or edited flow is inactive until it is activated."},
        subcommands = {FlowsCommand.ListFlows.class, FlowsCommand.Activate.class, FlowsCommand.Deactivate.class,
            FlowsCommand.Fire.class, FlowsCommand.Pause.class, FlowsCommand.Resume.class,
            FlowsCommand.BackfillFlow.class})
final class FlowsCommand extends Subcommand {
    @Mixin
    DatabaseOptions database;

    @Mixin
    RulesOption rules;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;


    @Override
    public Integer call() throws Exception {
        return list(spec.commandLine().getOut(), json);
    }

    int list(PrintWriter out, boolean asJson) throws SQLException {
        ValidatedRules loaded = RulesLoader.withoutSecretResolution(true).load(rules.dir());
        try (Database db = database.open(environment)) {
            List<FlowsReport.FlowLine> lines = new FlowsReport(db).lines(loaded.rules(), new Activations(db).all());
            if (asJson) {
                try {
                    out.println(new ObjectMapper().registerModule(new JavaTimeModule())
                            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                            .writerWithDefaultPrettyPrinter().writeValueAsString(lines));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            } else {
                Table table = new Table("FLOW", "STATE", "DELIVERIES", "TRIGGER", "MODE", "LAST RUN", "ACTIONS",
                        "LAST ERROR", "BACKFILL");
                for (FlowsReport.FlowLine l : lines) {
                    table.row(l.name(), l.state().label(), l.deliveries(), l.trigger(), l.mode(),
                            l.lastRun() == null ? "-" : l.lastRun().toString(),
                            l.counts().isEmpty() ? "-" : l.counts().toString().replaceAll("[{}]", ""),
                            l.lastError() == null ? "" : l.lastError(), l.backfillSummary());
                }
                table.print(out);
            }
            for (Problem p : loaded.problems()) {
                out.println("problem: " + p);
            }
        }
        out.flush();
        return loaded.isClean() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    static String user() {
        return System.getProperty("user.name", "unknown") + "@" + host();
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    /** Names or --all. */
    static final class Selection {
        @Parameters(paramLabel = "NAME", arity = "1..*", description = "Flow names.")
        List<String> names;

        @Option(names = "--all", required = true, description = "Every flow in the rules directory.")
        boolean all;
    }

    /** What activate and deactivate share: the parent's options, and flow names or --all. */
    abstract static class SelectedFlows implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        FlowsCommand parent;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Selection selection;
    }

    /** Selected flows, and who changes them (recorded with the change). */
    abstract static class AttributedFlows extends SelectedFlows {
        @Option(names = "--by", paramLabel = "WHO", description = "Who does it (default: user@host).")
        String by;

        String who() {
            return by != null ? by : user();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the flows (the default).")
    static final class ListFlows implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        FlowsCommand parent;

        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            return parent.list(parent.spec.commandLine().getOut(), json || parent.json);
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true,
            description = {"Validates flows (rules and live database) and activates their current content.",
                "Refuses, with the reasons, a flow that has problems."})
    static final class Activate extends AttributedFlows {
        @Option(names = "--allow-insecure-urls", description = "Accept http:// webhook URLs (testing only).")
        boolean allowInsecureUrls;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = parent.spec.commandLine().getOut();
            ValidatedRules loaded = new RulesLoader(new Secrets(parent.environment), allowInsecureUrls,
                    AddressPolicy.parse(parent.environment.get(AddressPolicy.ENVIRONMENT_VARIABLE)))
                    .load(parent.rules.dir());
            try (Database db = parent.database.open(parent.environment)) {
                List<Problem> problems = new ArrayList<>(loaded.problems());
                ValidatedRules live;
                // checked against the ERP database (--db), which is not the state database when --state is given
                try (Connection c = parent.database.stateUrlOrNull(parent.environment) != null
                        ? parent.database.connect(parent.environment, "startyhook flows") : db.connection()) {
                    live = new LiveValidator(c).validate(loaded.rules());
                }
                problems.addAll(live.problems());
                ValidatedRules structure = RulesLoader.withoutSecretResolution(true).load(parent.rules.dir());
                List<String> names = selection.all ? allNames(structure) : selection.names;
                Activations activations = new Activations(db);
                int refused = 0;
                for (String name : names) {
                    Flow flow = live.rules().flows().get(name);
                    if (flow != null) {
                        boolean changed = activations.activate(name, flow.contentHash(), who());
                        out.println((changed ? "activated " : "already active ") + name + " (content "
                                + flow.contentHash().substring(0, 12) + ")");
                        continue;
                    }
                    refused++;
                    Path file = fileOf(structure, name);
                    List<Problem> own = problems.stream()
                            .filter(p -> p.file().equals(file)
                                    || p.file().getFileName().toString().equals(RulesLoader.ENTITIES_FILE))
                            .toList();
                    if (!java.nio.file.Files.exists(file) && own.isEmpty()) {
                        out.println("refused " + name + ": no flow of that name in " + parent.rules.dir()
                                + " (see `startyhook flows`)");
                    } else {
                        out.println("refused " + name + ": it has problems:");
                        own.forEach(p -> out.println("  " + p));
                    }
                }
                out.flush();
                return refused == 0 ? ExitCodes.OK : ExitCodes.PROBLEMS;
            }
        }

        /** The file a flow comes from: known when its structure loads, else flows/NAME.json by convention. */
        private Path fileOf(ValidatedRules structure, String name) {
            Flow f = structure.rules().flows().get(name);
            return f != null ? f.file() : parent.rules.dir().resolve(RulesLoader.FLOWS_DIRECTORY).resolve(name + ".json");
        }

        /** Every flow name, including files whose structure has problems (named after the file). */
        private static List<String> allNames(ValidatedRules structure) {
            List<String> names = new ArrayList<>(structure.rules().flows().keySet());
            for (Problem p : structure.problems()) {
                String f = p.file().getFileName() == null ? "" : p.file().getFileName().toString();
                if (f.endsWith(".json") && !f.equals(RulesLoader.ENTITIES_FILE)) {
                    String n = f.substring(0, f.length() - 5);
                    if (!names.contains(n)) {
                        names.add(n);
                    }
                }
            }
            return names;
        }
    }

    @Command(name = "deactivate", mixinStandardHelpOptions = true,
            description = "Deactivates flows: they match nothing until activated again.")
    static final class Deactivate extends AttributedFlows {
        @Override
        public Integer call() throws Exception {
            PrintWriter out = parent.spec.commandLine().getOut();
            try (Database db = parent.database.open(parent.environment)) {
                Activations activations = new Activations(db);
                List<String> names = selection.all ? new ArrayList<>(activations.all().keySet()) : selection.names;
                ValidatedRules loaded = RulesLoader.withoutSecretResolution(true).load(parent.rules.dir());
                for (String name : names) {
                    Flow flow = loaded.rules().flows().get(name);
                    boolean changed = activations.deactivate(name, flow == null ? null : flow.contentHash(),
                            who());
                    out.println((changed ? "deactivated " : "was not active: ") + name);
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "fire", mixinStandardHelpOptions = true,
            description = {"Creates a run of a flow for one element now: to test a receiver or send again after a fix.",
                "The payload's context carries \"manual\": true."})
    static final class Fire implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        FlowsCommand parent;

        @Parameters(paramLabel = "NAME", description = "The flow.")
        String name;

        @Option(names = "--element", required = true, paramLabel = "ID",
                description = "The element's key (composite keys joined with |).")
        String element;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = parent.spec.commandLine().getOut();
            ValidatedRules loaded = RulesLoader.withoutSecretResolution(true).load(parent.rules.dir());
            boolean separate = parent.database.stateUrlOrNull(parent.environment) != null;
            try (Database db = parent.database.open(parent.environment);
                    Database erp = separate ? parent.database.openErp(parent.environment) : null) {
                // the element's row is read from --db; the actions go to the state database
                List<Long> ids = new ManualRun(db, (erp != null ? erp : db).dataSource(), Clock.systemUTC())
                        .fire(loaded.rules(), name, element);
                out.println("enqueued action(s) " + ids + " for " + name + " element " + element);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = {"Pauses the deliveries of flows: detection and enqueueing go on, their actions are held",
                "(pending, never failed, never lost) until `flows resume`. An attempt under way finishes."})
    static final class Pause extends AttributedFlows {
        @Override
        public Integer call() throws Exception {
            ValidatedRules loaded = RulesLoader.withoutSecretResolution(true).load(parent.rules.dir());
            List<String> names = selection.all ? new ArrayList<>(loaded.rules().flows().keySet()) : selection.names;
            return parent.withHolds((holds, out) -> {
                int refused = 0;
                for (String name : names) {
                    if (!loaded.rules().flows().containsKey(name)) {
                        refused++;
                        out.println("refused " + name + ": no flow of that name in " + parent.rules.dir()
                                + " (see `startyhook flows`)");
                        continue;
                    }
                    Holds.Change c = holds.pause(name, who());
                    out.println(c.changed() ? "paused " + name + ": " + c.actions() + " action(s) held until"
                            + " `startyhook flows resume " + name + "`; detection and enqueueing go on"
                            : "already paused: " + name);
                    stillRunning(out, c, "flows pause " + name, "may still be sent");
                }
                return refused == 0 ? ExitCodes.OK : ExitCodes.PROBLEMS;
            });
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes the deliveries of paused flows:"
            + " their held actions are sent, in order (those to a disabled endpoint stay held until"
            + " `outbox enable-endpoint`).")
    static final class Resume extends SelectedFlows {
        @Override
        public Integer call() throws Exception {
            return parent.withHolds((holds, out) -> {
                List<String> names = selection.all ? holds.paused().stream().map(Holds.Pause::flow).toList()
                        : selection.names;
                for (String name : names) {
                    Holds.Change c = holds.resume(name);
                    out.println((c.changed() ? "resumed " + name + ": " : "was not paused: " + name + "; ")
                            + c.actions() + " held action(s) released, in order");
                    stillRunning(out, c, "flows resume " + name, "may stay held");
                }
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "backfill", mixinStandardHelpOptions = true,
            description = {"Enqueues an active event flow's actions for rows that already exist in its entity's table,",
                "in key order, throttled, with progress; the payload's context carries \"backfill\": true.",
                "Criteria, organizations and once-per-element apply as for live events. Resumable: after a crash",
                "or a stop, the same command goes on after the last committed page; each element's actions are",
                "enqueued once."})
    static final class BackfillFlow implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        FlowsCommand parent;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The event flow.")
        String name;

        @Option(names = "--where", paramLabel = "SQL", description = "A SQL boolean expression on the entity's"
                + " table that selects the rows, e.g. \"created_at >= '2026-01-01'\" (default: every row).")
        String where;

        @Option(names = "--rate", paramLabel = "N/s", description = "Rows read per second at most (default: "
                + Backfill.DEFAULT_RATE + "/s; a resumed backfill keeps its rate unless given).")
        String rate;

        @Option(names = "--restart", description = "Cancel the flow's interrupted backfill and start a new one.")
        boolean restart;

        @Option(names = "--cancel", description = "Cancel the flow's interrupted or running backfill and stop.")
        boolean cancel;

        @Option(names = "--by", paramLabel = "WHO", description = "Who starts it (default: user@host).")
        String by;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = parent.spec.commandLine().getOut();
            if (cancel && (restart || where != null || rate != null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--cancel takes no --where, --rate or --restart: it only cancels the flow's backfill");
            }
            Integer rows;
            try {
                rows = rate == null ? null : Backfill.parseRate(rate);
            } catch (Backfill.Refused e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            String problem = where == null ? null : WhereClause.problem(where);
            if (problem != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--where of the backfill of flow " + name + ": " + problem);
            }
            ValidatedRules loaded = RulesLoader.withoutSecretResolution(true).load(parent.rules.dir());
            List<Problem> own = loaded.problems().stream().filter(p -> p.file().getFileName() != null
                    && p.file().getFileName().toString().equals(name + ".json")).toList();
            if (!cancel && !loaded.rules().flows().containsKey(name) && !own.isEmpty()) {
                throw new Backfill.Refused("flow " + name + " has problems (`startyhook validate` lists them): "
                        + own.stream().map(Problem::toString).collect(java.util.stream.Collectors.joining("; ")));
            }
            boolean separate = parent.database.stateUrlOrNull(parent.environment) != null;
            try (Database db = parent.database.open(parent.environment);
                    Database erp = separate ? parent.database.openErp(parent.environment) : null) {
                // the ERP's rows are read from --db; the actions and the cursor go to the state database
                Backfill backfill = new Backfill(db, (erp != null ? erp : db).dataSource(), Clock.systemUTC(),
                        com.startyhook.capture.CaptureConfig.sourceTimeZone(
                                parent.environment.get("STARTYHOOK_CAPTURE_SOURCE_TIME_ZONE")));
                if (cancel) {
                    var cancelled = backfill.cancel(name);
                    out.println(cancelled.isPresent() ? "cancelled backfill " + cancelled.get().id() + " of flow " + name
                            + " after " + cancelled.get().scanned() + " rows (" + cancelled.get().enqueued()
                            + " elements enqueued); a process still running it stops at its next page"
                            : "flow " + name + " has no running or interrupted backfill");
                    out.flush();
                    return ExitCodes.OK;
                }
                Backfills.Run done = backfill.run(loaded.rules(), new Backfill.Request(name, where, rows, restart,
                        by != null ? by : user()), new ProgressPrinter(out));
                out.println("backfill " + done.id() + " of flow " + name + " done: " + done.scanned() + " rows read, "
                        + done.matched() + " fire the flow, " + done.enqueued() + " enqueued (" + done.actions()
                        + " actions)" + (done.skipped() > 0 ? ", " + done.skipped()
                        + " skipped: the flow (once per element) already fired for them" : ""));
                for (Holds.Pause p : new Holds(db).paused()) {
                    if (p.flow().equals(name)) {
                        out.println("flow " + name + " is paused: its actions are held (" + p.held()
                                + " now) until `startyhook flows resume " + name + "`");
                    }
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** Prints a backfill's start and, at most every two seconds, its progress. */
    static final class ProgressPrinter implements Backfill.Progress {
        private final PrintWriter out;
        private long lastPrinted;
        private boolean started;

        ProgressPrinter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void warn(String message) {
            out.println("warning: " + message);
            out.flush();
        }

        @Override
        public void report(Backfills.Run run, double rowsPerSecond, java.time.Duration eta, boolean resumed) {
            long now = System.nanoTime();
            if (!started) {
                started = true;
                out.println((resumed ? "resuming backfill " + run.id() + " of flow " + run.flow() + " after "
                        + run.scanned() + " rows" : "backfill " + run.id() + " of flow " + run.flow() + " started")
                        + ": " + (run.where() == null ? "every row" : "rows where " + run.where()) + ", at most "
                        + run.rate() + " rows/s, " + (run.estimatedRows() == null ? "table size unknown (never analyzed)"
                        : "table of ~" + run.estimatedRows() + " rows"));
            } else if (now - lastPrinted >= 2_000_000_000L && run.running()) {
                out.println("  " + run.scanned() + (run.estimatedRows() == null ? "" : "/~" + run.estimatedRows())
                        + " rows read" + (run.percent() < 0 ? "" : " (" + run.percent() + "%)") + ", " + run.enqueued()
                        + " enqueued (" + run.actions() + " actions), " + run.skipped() + " already fired, "
                        + Math.round(rowsPerSecond) + " rows/s" + (eta == null ? "" : ", ETA " + eta.toSeconds() + " s"));
            } else {
                return;
            }
            lastPrinted = now;
            out.flush();
        }
    }

    /** Says so when enqueues that began before the command were still running when it stopped waiting. */
    static void stillRunning(PrintWriter out, Holds.Change c, String again, String consequence) {
        if (c.stillRunning() > 0) {
            out.println("  " + c.stillRunning() + " enqueue(s) or recording(s) of attempts that began before were"
                    + " still running after 30 s (a long condition scan?): actions they write " + consequence
                    + "; run `startyhook " + again + "` again once they have ended");
        }
    }

    /** What pause and resume do with the outbox's holds, printing to {@code out}; returns the exit code. */
    interface HoldsWork {
        int run(Holds holds, PrintWriter out) throws SQLException;
    }

    /** Runs {@code work} on the connector's database, then flushes the output. */
    int withHolds(HoldsWork work) throws SQLException {
        PrintWriter out = spec.commandLine().getOut();
        int code;
        try (Database db = database.open(environment)) {
            code = work.run(new Holds(db), out);
        }
        out.flush();
        return code;
    }
}
