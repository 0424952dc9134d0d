package com.startyhook;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The arrows between the packages, checked over the compiled classes: each package may use only
 * the packages listed for it (the picture in docs/design.md). A stage never imports a later one;
 * nothing but the command line and the two tools ({@code bench}, {@code demo}) uses {@code app};
 * nothing uses {@code cli}.
 *
 * <p>Plain JUnit tests that check the rules, rather than ArchUnit's own test engine: surefire runs
 * and counts them like every other unit test.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("com.startyhook");

    static final ArchRule ARROWS_POINT_ONE_WAY = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("root").definedBy("com.startyhook")
            .layer("store").definedBy("com.startyhook.store..")
            .layer("signing").definedBy("com.startyhook.signing..")
            .layer("embedded").definedBy("com.startyhook.embedded..")
            .layer("receiver").definedBy("com.startyhook.receiver..")
            .layer("net").definedBy("com.startyhook.net..")
            .layer("rules").definedBy("com.startyhook.rules..")
            .layer("capture").definedBy("com.startyhook.capture..")
            .layer("outbox").definedBy("com.startyhook.outbox..")
            .layer("events").definedBy("com.startyhook.events..")
            .layer("monitor").definedBy("com.startyhook.monitor..")
            .layer("delivery").definedBy("com.startyhook.delivery..")
            .layer("ops").definedBy("com.startyhook.ops..")
            .layer("config").definedBy("com.startyhook.config..")
            .layer("app").definedBy("com.startyhook.app..")
            .layer("bench").definedBy("com.startyhook.bench..")
            .layer("demo").definedBy("com.startyhook.demo..")
            .layer("cli").definedBy("com.startyhook.cli..")

            .whereLayer("root").mayNotAccessAnyLayer()
            .whereLayer("store").mayOnlyAccessLayers("root")
            .whereLayer("signing").mayOnlyAccessLayers("root")
            .whereLayer("embedded").mayOnlyAccessLayers("root")
            .whereLayer("receiver").mayOnlyAccessLayers("root")
            .whereLayer("net").mayOnlyAccessLayers("root")
            .whereLayer("rules").mayOnlyAccessLayers("root", "signing", "net")
            .whereLayer("capture").mayOnlyAccessLayers("root", "store")
            .whereLayer("outbox").mayOnlyAccessLayers("root", "store", "signing", "rules")
            .whereLayer("events").mayOnlyAccessLayers("root", "store", "rules", "capture", "outbox")
            .whereLayer("monitor").mayOnlyAccessLayers("root", "store", "rules", "outbox")
            .whereLayer("delivery").mayOnlyAccessLayers("root", "store", "signing", "net", "outbox")
            .whereLayer("ops").mayOnlyAccessLayers("root", "store", "rules", "outbox")
            .whereLayer("config").mayOnlyAccessLayers("root", "rules")
            .whereLayer("app").mayOnlyAccessLayers("root", "store", "signing", "net", "rules", "capture",
                    "outbox", "events", "monitor", "delivery", "ops", "config")
            .whereLayer("bench").mayOnlyAccessLayers("root", "store", "signing", "net", "embedded", "receiver",
                    "rules", "capture", "outbox", "events", "monitor", "delivery", "ops", "config", "app")
            .whereLayer("demo").mayOnlyAccessLayers("root", "store", "signing", "net", "embedded", "receiver",
                    "rules", "capture", "outbox", "events", "monitor", "delivery", "ops", "config", "app")
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .because("a package uses only those below it in docs/design.md");

    static final ArchRule NO_CYCLES = slices().matching("com.startyhook.(*)..").should().beFreeOfCycles();

    @Test
    void arrowsPointOneWay() {
        ARROWS_POINT_ONE_WAY.check(CLASSES);
    }

    @Test
    void packagesFormNoCycles() {
        NO_CYCLES.check(CLASSES);
    }
}
