package com.startyhook.cli;

import com.startyhook.app.Connector;
import com.startyhook.app.ConnectorSettings;
import com.startyhook.config.ConfigCatalogue;
import com.startyhook.config.ConfigKey;
import com.startyhook.config.Settings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "run", header = "Runs the connector: capture, monitors and webhook delivery, with health, metrics and console.", mixinStandardHelpOptions = true,
        description = {"Runs the connector: event service (WAL capture), monitor service (conditions) and execution",
            "service (webhook delivery), with health, metrics and the console on a local port.",
            "Configuration: flags, then STARTYHOOK_* environment variables, then --config FILE, then defaults;",
            "--help-config lists every key. SIGTERM or Ctrl-C stops gracefully; a second one exits at once."})
final class RunCommand extends Subcommand {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of configuration keys.")
    Path config;

    /** Shortcuts for db.url, db.user and db.schema, and where the password comes from, as in the other commands. */
    @Mixin
    DatabaseOptions database;

    /** Shortcut for rules.dir. */
    @Mixin
    RulesOption rules;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Sets a configuration key (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--help-config", description = "Lists every configuration key with its default and environment variable.")
    boolean helpConfig;


    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (helpConfig) {
            printCatalogue(out);
            return ExitCodes.OK;
        }
        if (config != null && !java.nio.file.Files.isRegularFile(config)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--config " + config
                    + " is not a readable file; give the properties file of configuration keys, or leave --config out");
        }
        Settings resolved = Settings.resolve(flags(), withPassword(environment), config);
        LogFormat.apply(resolved.string(LogFormat.KEY));
        ConnectorSettings settings = ConnectorSettings.from(resolved);
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
                    + DatabaseOptions.rootMessage(e) + "; " + Connector.databaseAdvice(e), e);
        } catch (Exception e) {
            connector.close();
            throw e;
        }
        stopped.await();
        return ExitCodes.OK;
    }

    /** --set, then the shortcut options over it. */
    private Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>(set);
        ConnectionOptions c = database.connection;
        putIfGiven(flags, "db.url", c.url);
        putIfGiven(flags, "db.user", c.user);
        putIfGiven(flags, "db.schema", database.schema);
        putIfGiven(flags, "state.url", database.stateUrl);
        putIfGiven(flags, "state.user", database.stateUser);
        putIfGiven(flags, "rules.dir", rules.given == null ? null : rules.given.toString());
        return flags;
    }

    private static void putIfGiven(Map<String, String> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }

    /**
     * The environment as configuration reads it: with {@code --db-password-env NAME}, the password
     * is that variable's value (a secret never comes from a flag, only its variable's name does).
     */
    private Map<String, String> withPassword(Map<String, String> env) {
        Map<String, String> copy = new HashMap<>(env);
        String name = database.connection.passwordEnv;
        if (name != null && env.get(name) != null) {
            copy.put(ConnectionOptions.ENV_PASSWORD, env.get(name));
        }
        String stateName = database.statePasswordEnv;
        if (stateName != null && env.get(stateName) != null) {
            copy.put(DatabaseOptions.ENV_STATE_PASSWORD, env.get(stateName));
        }
        return copy;
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
