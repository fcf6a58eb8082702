package com.llmbackup.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;

/**
 * The layers of ARCHITECTURE.md, held: each rule fails naming the class and the dependency that
 * breaks it. Main code only; tests may reach across layers to set up what they check.
 */
class ArchitectureTests {

    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("com.llmbackup");

    /** The layers, lowest first; a layer may use the ones below it and, without cycles, its own. */
    @Test
    void layersAreUsedDownwardsWhenClassesDependOnEachOther() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("com.llmbackup..")
                .layer("Foundation").definedBy("com.llmbackup.config..", "com.llmbackup.exec..")
                .layer("Catalog").definedBy("com.llmbackup.catalog..")
                .layer("Adapters").definedBy("com.llmbackup.postgres..", "com.llmbackup.uploads..", "com.llmbackup.docker..",
                        "com.llmbackup.offsite..", "com.llmbackup.health..", "com.llmbackup.monitoring..", "com.llmbackup.wal..")
                .layer("Services").definedBy("com.llmbackup.backup..", "com.llmbackup.restore..", "com.llmbackup.drill..",
                        "com.llmbackup.recovery..", "com.llmbackup.retention..", "com.llmbackup.preflight..", "com.llmbackup.pitr..")
                .layer("Edges").definedBy("com.llmbackup.process..", "com.llmbackup.api..", "com.llmbackup.security..")
                .whereLayer("Edges").mayOnlyBeAccessedByLayers("Edges")
                .whereLayer("Services").mayOnlyBeAccessedByLayers("Edges")
                .whereLayer("Adapters").mayOnlyBeAccessedByLayers("Services", "Edges")
                .whereLayer("Catalog").mayOnlyBeAccessedByLayers("Adapters", "Services", "Edges")
                .check(MAIN);
    }

    @Test
    void servicesUseEachOtherOnlyDownwardsWhenOneNeedsAnother() {
        // the drill and the recovery restore through the restore; nothing calls back up
        noClasses().that().resideInAnyPackage("com.llmbackup.restore..", "com.llmbackup.backup..", "com.llmbackup.retention..",
                        "com.llmbackup.preflight..")
                .should().dependOnClassesThat().resideInAnyPackage("com.llmbackup.drill..", "com.llmbackup.recovery..")
                .check(MAIN);
    }

    @Test
    void domainPackagesNeverDependOnProcessApiOrSecurityWhenImported() {
        noClasses().that().resideInAnyPackage("com.llmbackup.catalog..", "com.llmbackup.postgres..", "com.llmbackup.uploads..",
                        "com.llmbackup.docker..", "com.llmbackup.offsite..", "com.llmbackup.exec..", "com.llmbackup.config..",
                        "com.llmbackup.wal..")
                .should().dependOnClassesThat().resideInAnyPackage("com.llmbackup.process..", "com.llmbackup.api..",
                        "com.llmbackup.security..")
                .check(MAIN);
    }

    @Test
    void engineApisStayInProcessAndSecurityWhenAnyClassUsesThem() {
        noClasses().that().resideOutsideOfPackages("com.llmbackup.process..", "com.llmbackup.security..")
                .should().dependOnClassesThat().resideInAPackage("org.camunda..")
                .because("the engine stays behind one line: process/ (models, delegates) and security/ (who may do what)")
                .check(MAIN);
    }

    @Test
    void topLevelPackagesAreFreeOfCyclesWhenSliced() {
        slices().matching("com.llmbackup.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void processPackagesAreFreeOfCyclesWhenSliced() {
        slices().matching("com.llmbackup.process.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void sharedEnginePartsNeverDependOnOneProcessWhenImported() {
        noClasses().that().resideInAPackage("com.llmbackup.process.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("com.llmbackup.process.backup..", "com.llmbackup.process.restore..",
                        "com.llmbackup.process.drill..", "com.llmbackup.process.recovery..", "com.llmbackup.process.cleanup..",
                        "com.llmbackup.process.preflight..")
                .check(MAIN);
    }

    /** Task_X -> xDelegate: every process's beans are in one configuration class of its own package (BpmnWiringTests). */
    @Test
    void delegatesClassesLiveInTheirProcessPackageWhenNamedSo() {
        classes().that().haveSimpleNameEndingWith("Delegates")
                .should().resideInAPackage("com.llmbackup.process.*")
                .andShould().beAnnotatedWith(Configuration.class)
                .andShould().notBePublic()
                .check(MAIN);
    }
}
