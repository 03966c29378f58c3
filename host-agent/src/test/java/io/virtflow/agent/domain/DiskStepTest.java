package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DiskStepTest {

  private static DiskStep internal(DiskStep.Kind kind, String file, String tag) {
    return new DiskStep(kind, "vda", file, null, null, tag, false);
  }

  @Test
  void eachKindNamesWhatItLacks() {
    assertThat(internal(DiskStep.Kind.CREATE_INTERNAL, null, null).problems())
        .containsExactly("CREATE_INTERNAL needs a file", "CREATE_INTERNAL needs a tag");
    assertThat(new DiskStep(DiskStep.Kind.CREATE_OVERLAY, "vda", "/p/f", null, null, null, false).problems())
        .containsExactly("CREATE_OVERLAY needs a backing");
    assertThat(new DiskStep(DiskStep.Kind.COPY_FILE, "vda", "/p/f", null, null, null, false).problems())
        .containsExactly("COPY_FILE needs a source");
    assertThat(new DiskStep(DiskStep.Kind.SET_ACTIVE, null, "/p/f", null, null, null, false).problems())
        .containsExactly("SET_ACTIVE needs a target");
    assertThat(new DiskStep(DiskStep.Kind.REBASE, "vda", "/p/f", null, null, null, false).problems())
        .as("no backing: stand alone").isEmpty();
    assertThat(DiskStep.of(DiskStep.Kind.STOP_DOMAIN).problems()).isEmpty();
  }

  @Test
  void tagsThatQemuImgWouldMisreadAreRefused() {
    assertThat(internal(DiskStep.Kind.APPLY_INTERNAL, "/p/f", "1").problems())
        .containsExactly("tag '1' is all digits, which qemu-img would take for a snapshot id");
    assertThat(internal(DiskStep.Kind.CREATE_INTERNAL, "/p/f", "-l").problems())
        .containsExactly("tag '-l' must not start with '-'");
    assertThat(internal(DiskStep.Kind.CREATE_INTERNAL, "/p/f", "a\nb").problems()).hasSize(1);
    assertThat(internal(DiskStep.Kind.CREATE_INTERNAL, "/p/f", "before upgrade 2").problems()).isEmpty();
  }

  @Test
  void onlyTheStepsOnFilesNeedImages() {
    assertThat(DiskStep.Kind.SET_ACTIVE.touchesImages()).isTrue();
    assertThat(DiskStep.Kind.DELETE_FILE.touchesImages()).isTrue();
    assertThat(DiskStep.Kind.STOP_DOMAIN.touchesImages()).isFalse();
    assertThat(DiskStep.Kind.FREEZE.touchesImages()).isFalse();
  }
}
