package io.virtflow.snapshot.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class StepTest {

  @Test
  void only_steps_that_leave_the_domains_files_and_definition_as_they_were_prepare_only() {
    List<Step> preparing = List.of(new Step.CreateInternal("vda", "a.qcow2", "s1"),
        new Step.CreateOverlay("vda", "b.qcow2", "a.qcow2"), new Step.CopyFile("vda", "a.qcow2", "c.qcow2"),
        new Step.Freeze(), new Step.Thaw());
    List<Step> changing = List.of(new Step.DeleteInternal("vda", "a.qcow2", "s1"),
        new Step.ApplyInternal("vda", "a.qcow2", "s1"), new Step.Rebase("vda", "b.qcow2", null),
        new Step.DeleteFile("vda", "b.qcow2"), new Step.SetActive("vda", "b.qcow2"), new Step.StopDomain(),
        new Step.StartDomain(false));

    assertThat(preparing).allMatch(Step::preparesOnly);
    assertThat(changing).noneMatch(Step::preparesOnly);
    assertThat(Step.class.getPermittedSubclasses()).hasSize(preparing.size() + changing.size());
  }
}
