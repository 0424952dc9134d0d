package com.startyhook.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.embedded.PostgresBinaries.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The jar's PostgreSQL for each supported machine, and which one a machine gets. */
class PostgresBinariesTest {
    /** The xz magic number: the resource is an archive, not an empty placeholder. */
    private static final byte[] XZ_MAGIC = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0};

    @Test
    void theClasspathHoldsExactlyOneArchiveForEverySupportedPlatform() throws IOException {
        ClassLoader loader = PostgresBinaries.class.getClassLoader();
        for (Platform p : Platform.values()) {
            List<URL> found = Collections.list(loader.getResources(p.resource()));
            assertThat(found).as(p.label() + ": " + p.resource()).hasSize(1);
            try (InputStream in = found.get(0).openStream()) {
                assertThat(in.readNBytes(XZ_MAGIC.length)).as(p.resource()).isEqualTo(XZ_MAGIC);
            }
        }
    }

    @Test
    void eachMachineGetsItsArchive() {
        // os.name/os.arch as the JDKs report them
        assertThat(PostgresBinaries.platform("Linux", "amd64")).isEqualTo(Platform.LINUX_X86_64);
        assertThat(PostgresBinaries.platform("Linux", "x86_64")).isEqualTo(Platform.LINUX_X86_64);
        assertThat(PostgresBinaries.platform("Linux", "aarch64")).isEqualTo(Platform.LINUX_ARM64);
        assertThat(PostgresBinaries.platform("Mac OS X", "x86_64")).isEqualTo(Platform.MACOS);
        assertThat(PostgresBinaries.platform("Mac OS X", "aarch64")).isEqualTo(Platform.MACOS);
        assertThat(PostgresBinaries.platform("Windows 11", "amd64")).isEqualTo(Platform.WINDOWS_X86_64);
        assertThat(PostgresBinaries.platform("Windows Server 2022", "amd64")).isEqualTo(Platform.WINDOWS_X86_64);
        assertThat(Platform.MACOS.resource()).isEqualTo("postgres-darwin-x86_64.txz");
        assertThat(Platform.LINUX_ARM64.resource()).isEqualTo("postgres-linux-arm_64.txz");
    }

    @Test
    void thisMachineIsSupportedAndItsArchiveOpens() throws IOException {
        PostgresBinaries binaries = new PostgresBinaries();
        assertThat(binaries.platform()).isNotNull();
        try (InputStream in = binaries.getPgBinary("ignored", "ignored")) {
            assertThat(in.readNBytes(XZ_MAGIC.length)).isEqualTo(XZ_MAGIC);
        }
    }

    @Test
    void anUnsupportedMachineIsToldItsOsNameAndArchAndTheWayOut() {
        assertThatThrownBy(() -> PostgresBinaries.platform("Linux", "ppc64le"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("os.name=Linux os.arch=ppc64le")
                .hasMessageContaining("use --db with your own PostgreSQL")
                .hasMessageContaining("Linux ARM64");
        assertThatThrownBy(() -> PostgresBinaries.platform("Windows 11", "aarch64"))
                .hasMessageContaining("os.name=Windows 11 os.arch=aarch64")
                .hasMessageContaining("use --db with your own PostgreSQL");
        assertThatThrownBy(() -> PostgresBinaries.platform("FreeBSD", "amd64"))
                .hasMessageContaining("os.name=FreeBSD os.arch=amd64");
        assertThatThrownBy(() -> new PostgresBinaries("SunOS", "sparcv9").getPgBinary("SunOS", "sparcv9"))
                .hasMessageContaining("os.name=SunOS os.arch=sparcv9");
        assertThatThrownBy(() -> PostgresBinaries.platform("Linux", "amd64", true))
                .hasMessageContaining("Alpine Linux (musl)").hasMessageContaining("os.name=Linux os.arch=amd64")
                .hasMessageContaining("use --db with your own PostgreSQL");
        assertThat(PostgresBinaries.platform("Linux", "aarch64", false)).isEqualTo(Platform.LINUX_ARM64);
        assertThat(PostgresBinaries.platform("Mac OS X", "aarch64", true)).as("musl only matters on Linux")
                .isEqualTo(Platform.MACOS);
    }
}
