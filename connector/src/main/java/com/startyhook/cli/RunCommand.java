package com.startyhook.cli;

import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorSettings;
import com.startyhook.config.ConfigCatalogue;
import com.startyhook.config.ConfigKey;
import com.startyhook.config.Settings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "run", header = "Runs the connector: capture, monitors and webhook delivery, with health, metrics and console.", mixinStandardHelpOptions = true,
        description = {"Runs the connector: event service (WAL capture), monitor service (conditions) and execution",
            "service (webhook delivery), with health, metrics and the console on a local port.",
            "Configuration: flags, then STARTYHOOK_* environment variables, then --config FILE, then defaults;",
            "--help-config lists every key. SIGTERM or Ctrl-C stops gracefully; a second one exits at once."})
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of configuration keys.")
    Path config;

    @Option(names = "--db", paramLabel = "URL", description = "Shortcut for --set db.url=URL.")
    String db;

    @Option(names = "--db-user", paramLabel = "USER", description = "Shortcut for --set db.user=USER (as in the other"
            + " commands; the password comes from STARTYHOOK_DB_PASSWORD or db.password in --config).")
    String dbUser;

    @Option(names = "--rules", paramLabel = "DIR", description = "Shortcut for --set rules.dir=DIR.")
    String rules;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Sets a configuration key (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--help-config", description = "Lists every configuration key with its default and environment variable.")
    boolean helpConfig;

    /** The environment configuration and secrets come from; tests replace it. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (helpConfig) {
            printCatalogue(out);
            return ExitCodes.OK;
        }
        Map<String, String> flags = new LinkedHashMap<>(set);
        if (db != null) {
            flags.put("db.url", db);
        }
        if (dbUser != null) {
            flags.put("db.user", dbUser);
        }
        if (rules != null) {
            flags.put("rules.dir", rules);
        }
        ConnectorSettings settings = ConnectorSettings.from(Settings.resolve(flags, environment, config));
        Connector connector = new Connector(settings, environment, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicInteger signals = new AtomicInteger();
        Runnable stop = () -> {
            try {
                connector.close();
            } finally {
                stopped.countDown();
            }
        };
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), s -> {
                if (signals.incrementAndGet() == 1) {
                    LOG.info("SIG{} received: stopping gracefully (send it again to exit at once)", name);
                    new Thread(stop, "shutdown").start();
                } else {
                    LOG.warn("Second signal: exiting at once");
                    Runtime.getRuntime().halt(130);
                }
            });
        }
        try {
            connector.start();
        } catch (java.sql.SQLException e) {
            connector.close();
            throw new com.startyhook.ConfigurationException("cannot use the database at "
                    + com.startyhook.store.Database.redactUrl(settings.dbUrl()) + " as " + settings.dbUser() + ": "
                    + DatabaseOptions.rootMessage(e) + "; check db.url, db.user and db.password", e);
        } catch (Exception e) {
            connector.close();
            throw e;
        }
        stopped.await();
        return ExitCodes.OK;
    }

    static void printCatalogue(PrintWriter out) {
        Table t = new Table("KEY", "DEFAULT", "ENVIRONMENT", "DESCRIPTION").maxWidth(200);
        for (ConfigKey k : ConfigCatalogue.keys()) {
            t.row(k.key(), k.defaultValue() == null ? "-" : k.defaultValue(), k.environmentVariable(),
                    (k.secret() ? "(secret) " : "") + k.description());
        }
        t.print(out);
        out.flush();
    }
}
