package io.aigateway.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering a reader can rely on: one package per concern, no package cycles, and {@code core} (the request and
 * response types every package uses) depends on nothing above it.
 */
class ArchitectureTest {
    private static final JavaClasses GATEWAY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.aigateway");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.aigateway.(*)..").should().beFreeOfCycles().check(GATEWAY);
    }

    @Test
    void coreDependsOnNothingAboveIt() {
        noClasses().that().resideInAPackage("io.aigateway.core..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.aigateway", "io.aigateway.admin..", "io.aigateway.analytics..", "io.aigateway.auth..",
                        "io.aigateway.cache..", "io.aigateway.config..", "io.aigateway.cost..",
                        "io.aigateway.lambda..", "io.aigateway.log..", "io.aigateway.metrics..",
                        "io.aigateway.pipeline..", "io.aigateway.provider..", "io.aigateway.ratelimit..",
                        "io.aigateway.server..", "io.aigateway.upstream..")
                .check(GATEWAY);
    }

    @Test
    void onlyTheEntryPointsUseTheAssembly() {
        // Gateway and GatewayApp put the steps together; steps never reach back up to them
        noClasses().that().resideOutsideOfPackages("io.aigateway", "io.aigateway.lambda..", "io.aigateway.server..")
                .should().dependOnClassesThat().resideInAPackage("io.aigateway")
                .check(GATEWAY);
    }
}
