package com.startyhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.startyhook.signing.Signer;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ListenCommandIT {
    @TempDir
    Path dir;

    @Test
    void printsEachWebhookWithItsSignatureCheckAndAnswersWithTheGivenStatus() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "listen-secret");
        StringWriter out = new StringWriter();
        CommandLine cl = StartyHookCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread listen = new Thread(() -> exit.set(cl.execute("listen", "--port", "0", "--status", "202",
                "--secret-file", secret.toString(), "--cert-file", dir.resolve("listen.pem").toString())));
        listen.start();
        try {
            await().until(() -> out.toString().contains("Ctrl-C"));
            Matcher url = Pattern.compile("listening on (https://localhost:\\d+/)").matcher(out.toString());
            assertThat(url.find()).isTrue();
            assertThat(out.toString()).contains("certificate: " + dir.resolve("listen.pem"));

            HttpClient client = HttpClient.newBuilder().sslContext(trusting(dir.resolve("listen.pem"))).build();
            String body = "{\"id\":\"42\",\"event\":\"create\"}";
            String ts = Long.toString(Instant.now().getEpochSecond());
            String good = Signer.sign("listen-secret".getBytes(StandardCharsets.UTF_8),
                    body.getBytes(StandardCharsets.UTF_8), ts);
            HttpResponse<String> response = client.send(post(url.group(1), body, ts, good),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(202);
            await().until(() -> out.toString().contains("signature valid"));
            assertThat(out.toString()).contains("x-startyhook-id: 0b9f").contains("\"event\" : \"create\"");

            client.send(post(url.group(1), body, ts, "00" + good.substring(2)), HttpResponse.BodyHandlers.ofString());
            await().until(() -> out.toString().contains("signature INVALID"));

            // a Standard Webhooks delivery: checked in its own scheme
            String id = "0b9f3f8e-1d1c-4c55-9d0a-5f2a7c1e9b11";
            String v1 = com.startyhook.signing.StandardWebhooks.sign("listen-secret".getBytes(StandardCharsets.UTF_8),
                    id, ts, body.getBytes(StandardCharsets.UTF_8));
            client.send(HttpRequest.newBuilder(URI.create(url.group(1) + "hook"))
                    .header("Content-Type", "application/json; charset=utf-8").header("webhook-id", id)
                    .header("webhook-timestamp", ts).header("webhook-signature", v1)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            await().until(() -> out.toString().contains("signature valid (standard-webhooks)"));
        } finally {
            listen.interrupt();
            listen.join(10_000);
        }
        assertThat(exit).hasValue(0);
        assertThat(out.toString()).contains("stopped after 3 requests")
                .contains("delivery.allowed-private-hosts=localhost");
    }

    private static HttpRequest post(String url, String body, String ts, String signature) {
        return HttpRequest.newBuilder(URI.create(url + "hook"))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("X-StartyHook-Timestamp", ts)
                .header("X-StartyHook-Signature", signature)
                .header("X-StartyHook-Id", "0b9f6c1e-0000-0000-0000-000000000001")
                .header("X-StartyHook-Event", "create")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ts.setCertificateEntry("listen", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
