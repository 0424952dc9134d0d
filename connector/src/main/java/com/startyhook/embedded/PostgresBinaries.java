package com.startyhook.embedded;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Picks the PostgreSQL archive bundled in the jar for this machine from {@code os.name} and
 * {@code os.arch}. The jar carries zonky's archives {@code postgres-linux-x86_64.txz},
 * {@code postgres-linux-arm_64.txz}, {@code postgres-windows-x86_64.txz} and
 * {@code postgres-darwin-x86_64.txz}; the macOS one holds universal binaries (x86-64 and arm64 in
 * each file, the same bytes as zonky's darwin-arm64v8 artifact), so it serves Intel and Apple
 * silicon Macs alike and the jar carries it once. Any other machine gets an error naming its
 * {@code os.name}/{@code os.arch} instead of the library's bare "Missing embedded postgres binaries".
 */
public final class PostgresBinaries implements PgBinaryResolver {
    /** A machine the jar has a PostgreSQL for, and the classpath resource that holds it. */
    public enum Platform {
        LINUX_X86_64("Linux x86-64", "postgres-linux-x86_64.txz"),
        LINUX_ARM64("Linux ARM64", "postgres-linux-arm_64.txz"),
        MACOS("macOS (Intel and Apple silicon)", "postgres-darwin-x86_64.txz"),
        WINDOWS_X86_64("Windows x86-64", "postgres-windows-x86_64.txz");

        private final String label;
        private final String resource;

        Platform(String label, String resource) {
            this.label = label;
            this.resource = resource;
        }

        public String label() {
            return label;
        }

        /** Name of the archive at the root of the classpath. */
        public String resource() {
            return resource;
        }
    }

    private final String osName;
    private final String osArch;

    /** For this JVM's {@code os.name} and {@code os.arch}. */
    public PostgresBinaries() {
        this(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    PostgresBinaries(String osName, String osArch) {
        this.osName = osName;
        this.osArch = osArch;
    }

    /**
     * The platform of a machine with these {@code os.name} and {@code os.arch} values.
     *
     * @throws IllegalStateException when the jar has no PostgreSQL for it, naming both values and
     *                               the way out (a PostgreSQL of one's own, given with {@code --db})
     */
    public static Platform platform(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        if (os.startsWith("linux")) {
            if (x86) {
                return Platform.LINUX_X86_64;
            }
            if (arm64) {
                return Platform.LINUX_ARM64;
            }
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            if (x86 || arm64) {
                return Platform.MACOS;
            }
        } else if (os.startsWith("windows") && x86) {
            return Platform.WINDOWS_X86_64;
        }
        throw new IllegalStateException("this jar has no embedded PostgreSQL for os.name=" + osName + " os.arch=" + osArch
                + " (it has one for " + String.join(", ", List.of(Platform.values()).stream().map(Platform::label).toList())
                + "); use --db with your own PostgreSQL (wal_level=logical), e.g. `bench --db URL`, or `run --db URL`"
                + " on a database loaded with sql/demo/erp_schema.sql");
    }

    /**
     * This machine's platform; see {@link #platform(String, String)}. Alpine Linux (musl libc, found
     * by its {@code /etc/alpine-release}) cannot run the bundled glibc binaries: refused the same way.
     */
    public Platform platform() {
        return platform(osName, osArch, Files.exists(Path.of("/etc/alpine-release")));
    }

    static Platform platform(String osName, String osArch, boolean musl) {
        Platform p = platform(osName, osArch);
        if (musl && (p == Platform.LINUX_X86_64 || p == Platform.LINUX_ARM64)) {
            throw new IllegalStateException("this jar's embedded PostgreSQL for " + p.label() + " needs glibc, and this"
                    + " machine (os.name=" + osName + " os.arch=" + osArch + ") is Alpine Linux (musl); use --db with"
                    + " your own PostgreSQL (wal_level=logical), or run on a glibc distribution");
        }
        return p;
    }

    /** Called by the library with its own notion of the machine, which this class does not need. */
    @Override
    public InputStream getPgBinary(String system, String machineHardware) {
        Platform p = platform();
        InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(p.resource());
        if (in == null) {
            throw new IllegalStateException("the embedded PostgreSQL for " + p.label() + " (" + p.resource()
                    + ") is missing from the classpath; run from the built jar (connector/target/startyhook.jar)"
                    + " or use --db with your own PostgreSQL");
        }
        return in;
    }
}
