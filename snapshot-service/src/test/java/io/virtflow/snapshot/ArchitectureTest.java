package io.virtflow.snapshot;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "io.virtflow.snapshot", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  @ArchTest
  static final ArchRule domainIsPure = noClasses().that().resideInAPackage("..snapshot.domain..")
      .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "org.apache.kafka..", "org.apache.avro..",
          "io.virtflow.schema..", "io.virtflow.platform..", "..snapshot.kafka..");
}
