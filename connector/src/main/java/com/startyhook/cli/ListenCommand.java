package com.startyhook.cli;

import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.receiver.HttpsReceiver.Request;
import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.receiver.SelfSignedCertificate;
import com.startyhook.signing.Secrets;
import com.startyhook.signing.SignatureVerifier;
import com.startyhook.signing.StandardWebhooks;
import com.startyhook.signing.WireScheme;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "listen", mixinStandardHelpOptions = true,
        description = {"Runs a local HTTPS receiver that prints incoming webhooks and checks their signatures "
                + "(seed X-StartyHook-* or Standard Webhooks webhook-* headers, whichever arrive).",
            "It serves a fresh self-signed certificate and writes it as PEM: point the connector's "
                + "delivery.ca-bundle at that file, and allow the local address with "
                + "delivery.allowed-private-hosts=localhost. Runs until Ctrl-C.",
            "Without --secret-env or --secret-file, signatures are reported unchecked."})
final class ListenCommand extends Subcommand {
    @Option(names = "--port", defaultValue = "8443", description = "port on 127.0.0.1, 0 for any (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--status", defaultValue = "200", description = "HTTP status to answer (default: ${DEFAULT-VALUE})")
    int status;

    @Option(names = "--fail-rate", defaultValue = "0", description = "fraction of requests answered 500 instead, "
            + "to watch retries (0 to 1)")
    double failRate;

    @Option(names = "--delay", paramLabel = "DURATION", defaultValue = "0ms", converter = DurationOption.Converter.class,
            description = "wait this long before answering (e.g. 2s, to trigger timeouts)")
    Duration delay;

    /** Without a secret, signatures are reported unchecked. */
    @Mixin
    SecretOptions secretOptions;

    @Option(names = "--cert-file", paramLabel = "FILE",
            description = "where to write the certificate PEM (default: a temporary file)")
    Path certFile;

    @Override
    public Integer call() throws Exception {
        if (status < 100 || status > 599) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--status must be an HTTP status (100-599)");
        }
        if (failRate < 0 || failRate > 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--fail-rate must be between 0 and 1");
        }
        String secretRef = secretOptions.reference(spec);
        byte[] secret = secretRef == null ? null : new Secrets().resolve(secretRef);
        PrintWriter out = spec.commandLine().getOut();
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        Path pem = certificate.writeCertificatePem(certFile != null ? certFile
                : Files.createTempFile("startyhook-listen-", ".pem"));
        SignatureVerifier verifier = new SignatureVerifier();
        AtomicLong received = new AtomicLong();
        CountDownLatch stopped = new CountDownLatch(1);
        try (HttpsReceiver receiver = HttpsReceiver.start(port, certificate)) {
            receiver.respondWith(r -> {
                boolean fail = failRate > 0 && ThreadLocalRandom.current().nextDouble() < failRate;
                return Response.status(fail ? 500 : status).withDelay(delay.toMillis());
            });
            receiver.onRequest(r -> {
                print(out, received.incrementAndGet(), r, secret, verifier);
                receiver.clear(); // printed: no need to keep it
            });
            Thread hook = new Thread(stopped::countDown, "listen-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("listening on " + receiver.url("/") + " (answering " + status
                    + (failRate > 0 ? ", 500 for " + Math.round(failRate * 100) + " %" : "")
                    + (delay.isZero() ? "" : ", after " + delay.toMillis() + " ms") + ")");
            out.println("certificate: " + pem);
            out.println("  point the connector at it: delivery.ca-bundle=" + pem);
            out.println("  and allow this local receiver (refused as loopback otherwise):"
                    + " delivery.allowed-private-hosts=localhost");
            out.println("signatures: " + (secret == null ? "not checked (no --secret-env)" : "checked with " + secretRef));
            out.println("Ctrl-C to stop");
            out.flush();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is already stopping
                }
            }
        }
        out.println("stopped after " + received.get() + " request" + (received.get() == 1 ? "" : "s"));
        out.flush();
        return ExitCodes.OK;
    }

    private static void print(PrintWriter out, long n, Request r, byte[] secret, SignatureVerifier verifier) {
        StringBuilder s = new StringBuilder();
        s.append("--- #").append(n).append(' ').append(r.receivedAt()).append(' ').append(r.method()).append(' ')
                .append(r.path()).append('\n');
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            s.append("  ").append(h.getKey()).append(": ").append(h.getValue()).append('\n');
        }
        s.append(OutboxCommand.indent(OutboxCommand.prettyJson(r.bodyText()))).append('\n');
        String signature;
        if (secret == null) {
            signature = "unchecked (no --secret-env)";
        } else {
            boolean standard = r.header(StandardWebhooks.SIGNATURE_HEADER) != null;
            SignatureVerifier.Result v;
            try {
                v = standard
                        ? verifier.verifyStandard(WireScheme.STANDARD_WEBHOOKS.key(secret, "of --secret-env/--secret-file"),
                                r.body(), r.header(StandardWebhooks.ID_HEADER), r.header(StandardWebhooks.TIMESTAMP_HEADER),
                                r.header(StandardWebhooks.SIGNATURE_HEADER))
                        : verifier.verify(secret, r.body(), r.header("X-StartyHook-Timestamp"),
                                r.header("X-StartyHook-Signature"));
            } catch (RuntimeException e) {
                v = new SignatureVerifier.Result(false, e.getMessage());
            }
            signature = (v.valid() ? "valid" : "INVALID: " + v.reason()) + (standard ? " (standard-webhooks)" : "");
        }
        s.append("  signature ").append(signature).append('\n');
        synchronized (out) {
            out.print(s);
            out.flush();
        }
    }
}
