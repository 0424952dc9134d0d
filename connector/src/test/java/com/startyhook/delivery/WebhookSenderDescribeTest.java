package com.startyhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.junit.jupiter.api.Test;

/** Transport failures are named for what failed, as the HTTP client reports them (some wrapped). */
class WebhookSenderDescribeTest {
    static String describe(Exception e) {
        return WebhookSender.describe(e, 10_000, 5_000);
    }

    @Test
    void anUnroutableHostIsAConnectTimeoutNotATlsError() {
        assertThat(describe(new ConnectTimeoutException("Connect to https://10.255.255.1:443 failed: 5 SECONDS")))
                .startsWith("connect timeout").doesNotContain("TLS");
        assertThat(describe(new java.io.IOException("wrapped", new ConnectTimeoutException("x"))))
                .startsWith("connect timeout");
    }

    @Test
    void eachFailureHasItsName() {
        assertThat(describe(new HttpHostConnectException("Connection refused"))).startsWith("connection refused");
        assertThat(describe(new ConnectException("Connection refused"))).startsWith("connection refused");
        assertThat(describe(new UnknownHostException("no-such-host.invalid"))).startsWith("DNS");
        assertThat(describe(new SSLHandshakeException("PKIX path building failed"))).startsWith("TLS handshake failed");
        assertThat(describe(new SSLException("Received fatal alert"))).startsWith("TLS error");
        assertThat(describe(new GuardedDnsResolver.Refused("x resolves to 10.0.0.1"))).startsWith("refused: x resolves");
    }

    @Test
    void timeoutsSayWhichOneExpired() {
        assertThat(describe(new SocketTimeoutException("5000 MILLISECONDS"))).startsWith("TLS handshake timeout");
        assertThat(describe(new SocketTimeoutException("10 SECONDS"))).startsWith("timeout: no response within 10000 ms");
        assertThat(WebhookSender.describe(new SocketTimeoutException("5 SECONDS"), 5_000, 5_000))
                .contains("TLS handshake or waiting for the response");
    }
}
