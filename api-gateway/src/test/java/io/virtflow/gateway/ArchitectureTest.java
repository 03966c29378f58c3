package io.virtflow.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The domain package is plain Java: no Vert.x, no Kafka, no Avro, no adapters (docs/STYLE.md). */
class ArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.virtflow.gateway");

  @Test
  void theDomainIsPure() {
    noClasses().that().resideInAPackage("..gateway.domain..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "org.apache.kafka..", "org.apache.avro..",
            "io.virtflow.schema..", "io.virtflow.platform..", "com.fasterxml..", "io.netty..",
            "io.virtflow.gateway.http..", "io.virtflow.gateway.kafka..", "io.virtflow.gateway.command..")
        .check(CLASSES);
  }

  @Test
  void theCommandPathDoesNotKnowHttpOrKafka() {
    noClasses().that().resideInAPackage("..gateway.command..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx.ext.web..", "io.vertx.core.http..",
            "org.apache.kafka..", "org.apache.avro..", "io.virtflow.gateway.http..", "io.virtflow.gateway.kafka..")
        .check(CLASSES);
  }
}
