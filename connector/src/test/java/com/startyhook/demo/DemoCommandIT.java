package com.startyhook.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.cli.StartyHookCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** A newcomer's first command, end to end: the jar's own PostgreSQL, rules, receiver and connector. */
class DemoCommandIT {
    private static final Pattern RESULT = Pattern.compile("(?m)^RESULT delivered=(\\d+) verified=(\\d+) failed=(\\d+)$");
    private static final Pattern HOOK = Pattern.compile("(?m)^\\s*[\\d.]+s hook\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(.*)$");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aShortDemoDeliversVerifiedWebhooksOfEveryKindAndLeavesNothingBehind() throws IOException {
        Set<String> tempBefore = demoTempDirectories();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));

        int exit = cl.execute("demo", "--duration", "20s");

        String text = out.toString();
        Matcher result = RESULT.matcher(text);
        assertThat(result.find()).as("RESULT line in:%n%s%nstderr:%n%s", text, err).isTrue();
        long delivered = Long.parseLong(result.group(1));
        assertThat(delivered).as(text).isPositive();
        assertThat(Long.parseLong(result.group(2))).as("verified").isEqualTo(delivered);
        assertThat(Long.parseLong(result.group(3))).as("failed").isZero();
        assertThat(exit).as(err.toString()).isZero();

        Set<String> events = new TreeSet<>();
        Set<String> flows = new TreeSet<>();
        Matcher hook = HOOK.matcher(text);
        long firstArrivals = 0;
        while (hook.find()) {
            events.add(hook.group(2));
            flows.add(hook.group(1));
            assertThat(hook.group(5)).as(hook.group()).startsWith("signature valid");
            if (!hook.group(5).contains("duplicate")) {
                firstArrivals++;
            }
        }
        assertThat(firstArrivals).as("one line per distinct webhook").isEqualTo(delivered);
        assertThat(events).contains("create", "confirm", "become", "condition");
        assertThat(flows).as("an invoice line scoped by its invoice's organization, a related value")
                .contains("invoice-line-added");
        assertThat(text).contains("console: http://127.0.0.1:").contains("admin token: ")
                .contains("demo only: stock-changed.json scans every 5s");

        Matcher port = Pattern.compile("PostgreSQL \\S+ \\(embedded, wal_level=logical\\) on port (\\d+)").matcher(text);
        assertThat(port.find()).isTrue();
        assertThat(accepts(Integer.parseInt(port.group(1)))).as("the embedded PostgreSQL is stopped").isFalse();
        assertThat(demoTempDirectories()).as("temporary rules and certificate deleted").isSubsetOf(tempBefore);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("localhost", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static Set<String> demoTempDirectories() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("startyhook-demo-"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
