package io.virtflow.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The rules of docs/STYLE.md that a compiler does not check. */
class ArchitectureTest {
  private static final JavaClasses AGENT = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.virtflow.agent");

  @Test
  void theDomainDependsOnNothingButTheJdk() {
    classes().that().resideInAPackage("io.virtflow.agent.domain..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.virtflow.agent.domain..")
        .check(AGENT);
  }

  @Test
  void theDriverTheDisksAndTheStoreKnowNeitherKafkaNorVertxNorTheWireFormat() {
    noClasses().that().resideInAnyPackage("io.virtflow.agent.driver..", "io.virtflow.agent.disk..",
            "io.virtflow.agent.store..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "org.apache.kafka..", "org.apache.avro..",
            "io.virtflow.schema..", "io.virtflow.agent.kafka..")
        .check(AGENT);
  }

  @Test
  void theRulesDoNotDependOnTheirAdapters() {
    noClasses().that().resideInAPackage("io.virtflow.agent.domain..")
        .should().dependOnClassesThat().resideInAnyPackage("io.virtflow.agent.driver..", "io.virtflow.agent.store..",
            "io.virtflow.agent.kafka..", "io.virtflow.agent.disk..")
        .check(AGENT);
  }

  @Test
  void onlyTheDriverPackageNamesADriver() {
    noClasses().that().resideOutsideOfPackage("io.virtflow.agent.driver..")
        .should().dependOnClassesThat().haveSimpleNameStartingWith("SimHypervisor")
        .orShould().dependOnClassesThat().resideInAPackage("io.virtflow.agent.driver.libvirt..")
        .check(AGENT);
  }

  @Test
  void theLibvirtBindingStaysInsideTheLibvirtDriver() {
    noClasses().that().resideOutsideOfPackage("io.virtflow.agent.driver.libvirt..")
        .should().dependOnClassesThat().resideInAnyPackage("org.libvirt..", "com.sun.jna..")
        .check(AGENT);
  }
}
