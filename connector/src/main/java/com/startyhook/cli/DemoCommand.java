package com.startyhook.cli;

import ch.qos.logback.classic.Level;
import com.startyhook.demo.Demo;
import com.startyhook.demo.DemoReceiver;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

@Command(name = "demo", header = "Runs everything on an embedded PostgreSQL with simulated ERP activity and a local receiver.", mixinStandardHelpOptions = true,
        description = {"Runs everything on embedded defaults: a PostgreSQL with the demo ERP schema,",
            "the example flows, a local HTTPS receiver and simulated ERP activity, and prints",
            "each webhook as it arrives with its signature check. Runs until Ctrl-C or for",
            "--duration, waits for the outbox to drain, prints a summary and the line",
            "'RESULT delivered=N verified=N failed=F' (exit code 0: webhooks arrived, none",
            "failed). Needs only a JDK; all it starts or writes is removed at the end."})
final class DemoCommand implements Callable<Integer> {
    static final Duration DRAIN = Duration.ofSeconds(15);

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationOption.Converter.class,
            description = "stop after this long, e.g. 60s or 2m (default: run until Ctrl-C)")
    Duration duration;

    @Option(names = "--port-http", paramLabel = "PORT", defaultValue = "0",
            description = "port of the console, /health and /metrics on 127.0.0.1 (default: a free port)")
    int httpPort;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "3",
            description = "simulated ERP changes per second (default: ${DEFAULT-VALUE})")
    double rate;

    private final long launchedNanos = System.nanoTime();
    private final Instant launched = Instant.now();

    @Override
    public Integer call() throws Exception {
        Demo.Options options;
        try {
            options = new Demo.Options(httpPort, rate, Demo.Options.DEFAULT_CONDITION_INTERVAL);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new ParameterException(spec.commandLine(), "--duration must be positive, e.g. 60s");
        }
        PrintWriter out = spec.commandLine().getOut();
        Level logLevel = quietLogs();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch hurry = new CountDownLatch(1);
        AtomicInteger signals = new AtomicInteger();
        Demo demo = new Demo(options, line -> print(out, "demo", line), w -> print(out, "hook", webhook(w)),
                line -> print(out, "erp", line));
        Thread cleanup = new Thread(demo::close, "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Map<String, SignalHandler> previous = onSignals(() -> {
            if (signals.incrementAndGet() == 1) {
                print(out, "demo", "stopping (Ctrl-C again to skip waiting for the outbox)");
                stop.countDown();
            } else {
                hurry.countDown();
            }
        });
        try {
            print(out, "demo", "starting: embedded PostgreSQL, receiver, example flows, connector");
            demo.start();
            print(out, "demo", "console: http://127.0.0.1:" + demo.consolePort() + "/   admin token: "
                    + demo.adminToken() + "   (also /health and /metrics)");
            print(out, "demo", "simulating ERP activity, " + formatRate(rate) + " changes per second, "
                    + (duration == null ? "until Ctrl-C" : "for " + duration.toSeconds() + " s")
                    + (System.console() == null ? "" : "; Ctrl-C stops"));
            long steps = demo.simulate(stop, duration);
            print(out, "demo", "simulation stopped after " + steps + " ERP changes; waiting up to " + DRAIN.toSeconds()
                    + " s for the outbox to drain");
            boolean drained = demo.drain(DRAIN, hurry);
            print(out, "demo", drained ? "outbox drained: nothing pending" : "outbox not drained in time");
            Demo.Summary summary = demo.finish();
            printSummary(out, summary, drained, demo.receiver().firstVerifiedAt().orElse(null));
            return summary.failed() == 0 && summary.delivered() > 0 ? ExitCodes.OK : ExitCodes.PROBLEMS;
        } finally {
            demo.close();
            restore(previous);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is stopping: the hook runs and finds everything closed
            }
            if (logLevel != null) {
                root().setLevel(logLevel);
            }
            out.flush();
        }
    }

    private void printSummary(PrintWriter out, Demo.Summary s, boolean drained, Instant firstVerified) {
        synchronized (out) {
            out.println();
            out.println("Webhooks received (distinct X-StartyHook-Id), by flow and event:");
            Table t = new Table("FLOW", "EVENT", "WEBHOOKS");
            s.webhooksByFlowAndEvent().forEach((k, v) -> {
                int space = k.lastIndexOf(' ');
                t.row(k.substring(0, space), k.substring(space + 1), Long.toString(v));
            });
            t.print(out);
            out.println("Outbox actions by status: " + (s.actionsByStatus().isEmpty() ? "none"
                    : s.actionsByStatus().toString().replaceAll("[{}]", "")) + (drained ? ""
                    : "  (not drained within " + DRAIN.toSeconds() + " s: see `startyhook outbox list`)"));
            out.println("Signatures: " + s.verified() + " valid, " + s.invalidSignatures() + " INVALID; duplicates dropped: "
                    + s.duplicates());
            if (firstVerified != null) {
                out.printf("First verified webhook %.1f s after the demo started%n",
                        Duration.between(launched, firstVerified).toMillis() / 1000.0);
            }
            out.println(s.resultLine());
            out.flush();
        }
    }

    private static String webhook(DemoReceiver.Webhook w) {
        return String.format("%-26s %-9s %-9s %-6s %s%s", w.workflow(), w.event(), w.entity(), w.elementId(),
                w.valid() ? "signature valid" : "signature INVALID: " + w.reason(),
                w.duplicate() ? "  (duplicate X-StartyHook-Id, ignored)" : "");
    }

    private void print(PrintWriter out, String kind, String line) {
        double seconds = (System.nanoTime() - launchedNanos) / 1e9;
        synchronized (out) {
            out.printf("%6.1fs %-4s %s%n", seconds, kind, line);
            out.flush();
        }
    }

    private static String formatRate(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }

    /** The demo's own lines tell the story; connector logs only warnings unless STARTYHOOK_LOG_LEVEL is set. */
    private static Level quietLogs() {
        if (System.getenv("STARTYHOOK_LOG_LEVEL") != null || !(LoggerFactory.getILoggerFactory()
                instanceof ch.qos.logback.classic.LoggerContext)) {
            return null;
        }
        Level before = root().getLevel();
        root().setLevel(Level.WARN);
        return before;
    }

    private static ch.qos.logback.classic.Logger root() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private static Map<String, SignalHandler> onSignals(Runnable handler) {
        Map<String, SignalHandler> previous = new java.util.HashMap<>();
        for (String name : List.of("INT", "TERM")) {
            try {
                previous.put(name, Signal.handle(new Signal(name), s -> handler.run()));
            } catch (IllegalArgumentException unsupported) {
                // a platform without this signal: the shutdown hook still cleans up
            }
        }
        return previous;
    }

    private static void restore(Map<String, SignalHandler> previous) {
        previous.forEach((name, h) -> Signal.handle(new Signal(name), h));
    }
}
