package com.startyhook.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.embedded.PostgresBinaries.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar (built by the package phase, before the ITs) carries the PostgreSQL of every
 * supported platform, each under its own name, at the root where {@link PostgresBinaries} looks.
 */
class ShadedJarIT {
    private static final Path JAR = Path.of("target", "startyhook.jar");

    @Test
    void theJarHoldsEveryPlatformsArchive() throws IOException {
        assertThat(JAR).as("the shaded jar (mvn package)").isRegularFile();
        try (ZipFile zip = new ZipFile(JAR.toFile())) {
            for (Platform p : Platform.values()) {
                ZipEntry e = zip.getEntry(p.resource());
                assertThat(e).as(p.label() + ": " + p.resource() + " in " + JAR).isNotNull();
                // each archive is the real one (megabytes), not a stub
                assertThat(e.getSize()).as(p.resource()).isGreaterThan(5_000_000L);
            }
            List<String> archives = zip.stream().map(ZipEntry::getName)
                    .filter(n -> n.startsWith("postgres-") && n.endsWith(".txz")).sorted().toList();
            assertThat(archives).as("no archive the resolver never picks (the Mac one serves both architectures)")
                    .containsExactlyInAnyOrder(List.of(Platform.values()).stream().map(Platform::resource)
                            .toArray(String[]::new));
        }
    }
}
