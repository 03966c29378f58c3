package io.virtflow.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The client is plain Java 17 for any service: the contract, kafka-clients and the JDK, nothing else. */
@AnalyzeClasses(packages = "io.virtflow.client", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  @ArchTest
  static final ArchRule noVertx = noClasses().should().dependOnClassesThat()
      .resideInAnyPackage("io.vertx..", "com.fasterxml.jackson..", "io.virtflow.platform..", "io.virtflow.gateway..",
          "io.virtflow.devstack..", "io.virtflow.agent..", "io.virtflow.snapshot..")
      .because("services embed the client without the platform's runtime");
}
