package com.startyhook.delivery;

import com.startyhook.ConfigurationException;
import com.startyhook.signing.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The client TLS context of the execution service: certificate verification always on, the JDK's
 * trusted CAs plus an optional bundle (a PEM file, or a PKCS12 or JKS truststore), and an optional
 * client certificate for mutual TLS.
 */
final class TlsContexts {
    private static final char[] IN_MEMORY_PASSWORD = "startyhook".toCharArray();

    private TlsContexts() {}

    static SSLContext build(DeliveryConfig config, Secrets secrets) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManagerFactory keys = config.clientCertificate() == null ? null : keyManagers(config, secrets);
            context.init(keys == null ? null : keys.getKeyManagers(),
                    trustManagers(config.caBundle(), config.caBundlePassword(), secrets), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigurationException("cannot build the TLS context for delivery: " + e.getMessage(), e);
        }
    }

    /** The JDK's default trust anchors, plus every certificate of {@code caBundle}. */
    private static TrustManager[] trustManagers(Path caBundle, String passwordRef, Secrets secrets)
            throws GeneralSecurityException {
        if (caBundle == null) {
            return null; // the JDK default
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try {
            trust.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        defaults.init((KeyStore) null);
        int n = 0;
        for (TrustManager tm : defaults.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                for (X509Certificate ca : x509.getAcceptedIssuers()) {
                    trust.setCertificateEntry("jdk-" + n++, ca);
                }
            }
        }
        Collection<? extends Certificate> bundle = isPem(caBundle) ? readCertificates(caBundle, "delivery.ca-bundle")
                : readTrustStore(caBundle, passwordRef, secrets);
        for (Certificate ca : bundle) {
            trust.setCertificateEntry("bundle-" + n++, ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    private static KeyManagerFactory keyManagers(DeliveryConfig config, Secrets secrets)
            throws GeneralSecurityException {
        Path certFile = config.clientCertificate();
        KeyStore store;
        char[] password;
        if (DeliveryConfig.isPkcs12(certFile)) {
            password = config.clientKeyPassword() == null ? new char[0]
                    : new String(secrets.resolve(config.clientKeyPassword()), StandardCharsets.UTF_8).toCharArray();
            store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(certFile)) {
                store.load(in, password);
            } catch (IOException e) {
                throw new ConfigurationException("delivery.client-certificate " + certFile
                        + " cannot be read as PKCS12 (" + e.getMessage() + "); check the file and "
                        + "delivery.client-key-password", e);
            }
        } else {
            List<Certificate> chain = new ArrayList<>(readCertificates(certFile, "delivery.client-certificate"));
            PrivateKey key = readPrivateKey(config.clientKey());
            password = IN_MEMORY_PASSWORD;
            store = KeyStore.getInstance("PKCS12");
            try {
                store.load(null, null);
            } catch (IOException e) {
                throw new GeneralSecurityException(e);
            }
            store.setKeyEntry("client", key, password, chain.toArray(Certificate[]::new));
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf;
    }

    /** True when {@code file} is PEM text (it holds a "-----BEGIN" line), false for a binary keystore. */
    static boolean isPem(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(64 * 1024);
            return new String(head, StandardCharsets.ISO_8859_1).contains("-----BEGIN");
        } catch (IOException e) {
            throw new ConfigurationException("delivery.ca-bundle " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The trusted certificates of a PKCS12 or JKS truststore (the type is recognised from the content). */
    static List<Certificate> readTrustStore(Path file, String passwordRef, Secrets secrets) {
        char[] password = passwordRef == null ? null
                : new String(secrets.resolve(passwordRef), StandardCharsets.UTF_8).toCharArray();
        KeyStore store;
        try {
            store = KeyStore.getInstance(file.toFile(), password);
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException("delivery.ca-bundle " + file + " is neither a PEM file nor a PKCS12 or"
                    + " JKS truststore that opens with delivery.ca-bundle-password" + (passwordRef == null ? " (not set)"
                    : " (" + passwordRef + ")") + ": " + e.getMessage(), e);
        }
        List<Certificate> certificates = new ArrayList<>();
        try {
            for (String alias : java.util.Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias)) {
                    certificates.add(store.getCertificate(alias));
                } else if (store.getCertificate(alias) != null) {
                    certificates.add(store.getCertificate(alias)); // a key entry's own certificate
                }
            }
        } catch (KeyStoreException e) {
            throw new ConfigurationException("delivery.ca-bundle " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new ConfigurationException("delivery.ca-bundle " + file + " holds no certificate"
                    + (passwordRef == null ? "; if its certificates are password-protected, set delivery.ca-bundle-password" : ""));
        }
        return certificates;
    }

    static Collection<? extends Certificate> readCertificates(Path file, String key) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new ConfigurationException(key + " " + file + " holds no PEM certificate "
                        + "(-----BEGIN CERTIFICATE-----)");
            }
            return certs;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException(key + " " + file + " is not a readable PEM certificate file: "
                    + e.getMessage(), e);
        }
    }

    static PrivateKey readPrivateKey(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser pem = new PEMParser(reader)) {
            Object o = pem.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new ConfigurationException("delivery.client-key " + file + " is not an unencrypted PEM private key "
                    + "(BEGIN PRIVATE KEY, RSA or EC PRIVATE KEY); decrypt it with openssl pkcs8 -nocrypt or use PKCS12");
        } catch (IOException e) {
            throw new ConfigurationException("delivery.client-key " + file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
