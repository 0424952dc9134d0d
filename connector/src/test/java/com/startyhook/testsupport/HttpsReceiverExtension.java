package com.startyhook.testsupport;

import com.startyhook.receiver.HttpsReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real local HTTPS receiver per test, with a self-signed certificate. The client under test
 * trusts it explicitly through {@link #caBundle()} (a PEM file), TLS verification left on.
 */
public final class HttpsReceiverExtension implements BeforeEachCallback, AfterEachCallback {
    private HttpsReceiver receiver;
    private Path caBundle;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        receiver = HttpsReceiver.start(0);
        caBundle = receiver.certificate().writeCertificatePem(Files.createTempFile("startyhook-receiver", ".pem"));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        receiver.close();
        Files.deleteIfExists(caBundle);
    }

    public HttpsReceiver receiver() {
        return receiver;
    }

    public Path caBundle() {
        return caBundle;
    }

    public String url(String path) {
        return receiver.url(path);
    }
}
