package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class DomainDefinitionTest {

  @Test
  void aPlainDefinitionHasNoProblems() {
    var def = new DomainDefinition("web-1", 2, 2048, List.of(new Disk("vda", 10, "qcow2", null)), "alice");
    assertThat(def.problems()).isEmpty();
  }

  @Test
  void everyProblemIsNamed() {
    var def = new DomainDefinition("../etc", 0, 0, List.of(new Disk("vda", 0, "raw", null),
        new Disk("vda", 1, "qcow2", null), new Disk("../../x", 1, "qcow2", null)), "alice");
    assertThat(def.problems()).containsExactly(
        "name '../etc' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        "vcpus=0 is outside [1, 4096]",
        "memoryMiB=0 is outside [1, 16777216]",
        "disk vda: sizeGiB=0 is outside [1, 65536]",
        "disk vda: format 'raw' is not supported (only qcow2)",
        "disk target 'vda' is used twice",
        "disk target '../../x' is not a device name such as vda or sdb");
  }

  @Test
  void domainIdsAreUuids() {
    assertThat(Domain.isValidId("6f1c9b7e-8a34-4b5e-9d2a-0c7e5f3a1b20")).isTrue();
    assertThat(Domain.isValidId("../../etc/passwd")).isFalse();
    assertThat(Domain.isValidId("6f1c9b7e-8a34-4b5e-9d2a-0c7e5f3a1b2")).isFalse();
    assertThat(Domain.isValidId(null)).isFalse();
  }
}
