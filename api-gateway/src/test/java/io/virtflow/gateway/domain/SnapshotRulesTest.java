package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotRulesTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private static SnapshotCatalogView.SnapshotView snap(String name, String parent, int second) {
    return new SnapshotCatalogView.SnapshotView(name, parent, SnapshotKind.INTERNAL, null, "SHUTOFF", false, false,
        false, T0.plusSeconds(second), List.of(new SnapshotCatalogView.Disk("vda", "/pool/d-vda.qcow2", name, null)));
  }

  private static final SnapshotDirectory.Entry ONE = new SnapshotDirectory.Entry(
      new SnapshotCatalogView(List.of(snap("base", null, 0)), "base"), null);

  private static Operation.CreateSnapshot create(String name) {
    return new Operation.CreateSnapshot(new SnapshotSpec(name, SnapshotKind.EXTERNAL, null, false, false));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "pre-upgrade_1.0", "123e4567-e89b-12d3-a456-426614174000", "reconcile"})
  void snapshotNamesFollowTheDomainNameRulesButMayLookLikeAUuid(String name) {
    assertThat(SnapshotRules.nameProblem(name)).isEmpty();
    assertThatCode(() -> SnapshotRules.checkInput(create(name))).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "-a", "_a", "a/b", "a b", "é"})
  void badSnapshotNamesAreInvalidNamingTheField(String name) {
    assertThatThrownBy(() -> SnapshotRules.checkInput(create(name))).isInstanceOfSatisfying(Refusal.class, r -> {
      assertThat(r.kind()).isEqualTo(Refusal.Kind.INVALID);
      assertThat(r.field()).isEqualTo("name");
    });
    assertThat(SnapshotRules.nameProblem("a".repeat(65))).isPresent();
  }

  @Test
  void aDescriptionHasALimit() {
    String max = "d".repeat(SnapshotRules.DESCRIPTION_MAX);
    assertThatCode(() -> SnapshotRules.checkInput(new Operation.CreateSnapshot(
        new SnapshotSpec("a", SnapshotKind.INTERNAL, max, false, false)))).doesNotThrowAnyException();
    assertThatThrownBy(() -> SnapshotRules.checkInput(new Operation.CreateSnapshot(
        new SnapshotSpec("a", SnapshotKind.INTERNAL, max + "d", false, false))))
        .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.field()).isEqualTo("description"));
  }

  @Test
  void childrenAndChildrenOnlyExcludeEachOther() {
    assertThatThrownBy(() -> SnapshotRules.checkInput(new Operation.DeleteSnapshot("base", true, true, false)))
        .isInstanceOfSatisfying(Refusal.class, r -> {
          assertThat(r.code()).isEqualTo(FailureCode.INVALID_ARG);
          assertThat(r.field()).isEqualTo("childrenOnly");
        });
    for (boolean[] flags : new boolean[][] {{true, false, true}, {false, true, true}, {false, false, false}}) {
      assertThatCode(() -> SnapshotRules.checkInput(new Operation.DeleteSnapshot("base", flags[0], flags[1], flags[2])))
          .doesNotThrowAnyException();
    }
  }

  @Test
  void aNameInTheCatalogOrBeingCreatedIsAConflict() {
    assertThatThrownBy(() -> SnapshotRules.checkAgainst(create("base"), "web", ONE))
        .isInstanceOfSatisfying(Refusal.class, r -> {
          assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT);
          assertThat(r.code()).isEqualTo(FailureCode.OPERATION_INVALID);
          assertThat(r.getMessage()).isEqualTo("domain 'web' already has a snapshot 'base'");
        });
    SnapshotDirectory.Entry creating = new SnapshotDirectory.Entry(ONE.catalog(),
        new SnapshotDirectory.InProgress("CREATING", "next", "c1", T0));
    assertThatThrownBy(() -> SnapshotRules.checkAgainst(create("next"), "web", creating))
        .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT));
    // Another workflow under way does not stop a request: the service runs them in turn.
    assertThatCode(() -> SnapshotRules.checkAgainst(create("other"), "web", creating)).doesNotThrowAnyException();
    SnapshotDirectory.Entry deleting = new SnapshotDirectory.Entry(ONE.catalog(),
        new SnapshotDirectory.InProgress("DELETING", "next", "c1", T0));
    assertThatCode(() -> SnapshotRules.checkAgainst(create("next"), "web", deleting)).doesNotThrowAnyException();
  }

  @Test
  void revertAndDeleteNeedASnapshotOfTheCatalog() {
    for (Operation.SnapshotOperation op : List.<Operation.SnapshotOperation>of(
        new Operation.RevertSnapshot("nope", RevertStart.KEEP, false), new Operation.DeleteSnapshot("nope", false, false,
            false))) {
      assertThatThrownBy(() -> SnapshotRules.checkAgainst(op, "web", ONE)).isInstanceOfSatisfying(Refusal.class, r -> {
        assertThat(r.kind()).isEqualTo(Refusal.Kind.NOT_FOUND);
        assertThat(r.code()).isEqualTo(FailureCode.NO_SNAPSHOT);
        assertThat(r.getMessage()).isEqualTo("domain 'web' has no snapshot 'nope'");
      });
    }
    assertThatCode(() -> SnapshotRules.checkAgainst(new Operation.RevertSnapshot("base", RevertStart.PAUSED, true),
        "web", ONE)).doesNotThrowAnyException();
    assertThatCode(() -> SnapshotRules.checkAgainst(new Operation.ReconcileSnapshots(), "web",
        new SnapshotDirectory.Entry(SnapshotCatalogView.EMPTY, null))).doesNotThrowAnyException();
  }

  @Test
  void undefineOfADomainWithSnapshotsNeedsSnapshotsMetadata() {
    assertThatThrownBy(() -> SnapshotRules.checkUndefine("web", new Operation.Undefine(true, false, true), 1))
        .isInstanceOfSatisfying(Refusal.class, r -> {
          assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT);
          assertThat(r.code()).isEqualTo(FailureCode.OPERATION_INVALID);
          assertThat(r.getMessage()).isEqualTo(
              "domain 'web' has 1 snapshot; undefine with snapshotsMetadata=true to drop their metadata");
        });
    assertThatThrownBy(() -> SnapshotRules.checkUndefine("web", new Operation.Undefine(false, false, false), 3))
        .hasMessage("domain 'web' has 3 snapshots; undefine with snapshotsMetadata=true to drop their metadata");
    assertThatCode(() -> SnapshotRules.checkUndefine("web", new Operation.Undefine(false, true, false), 3))
        .doesNotThrowAnyException();
    assertThatCode(() -> SnapshotRules.checkUndefine("web", new Operation.Undefine(false, false, false), 0))
        .doesNotThrowAnyException();
  }

  private static DomainView domain(String state, boolean guestAgent) {
    return new DomainView("d", "web", "h1", state, "UNKNOWN", 1, 64, List.of(), 0, 1, "admin", T0, null, null,
        List.of(), guestAgent, null);
  }

  @Test
  void quiesceOfARunningDomainNeedsTheGuestAgentItWasDefinedWith() {
    Operation.CreateSnapshot quiesced = new Operation.CreateSnapshot(new SnapshotSpec("q", SnapshotKind.EXTERNAL,
        null, true, false));
    assertThatThrownBy(() -> SnapshotRules.checkAgainst(quiesced, "web", ONE, domain("RUNNING", false)))
        .isInstanceOfSatisfying(Refusal.class, r -> {
          assertThat(r.code()).isEqualTo(FailureCode.OPERATION_UNSUPPORTED);
          assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT);
          assertThat(r.getMessage()).contains("quiesce needs a guest agent", "'web'");
        });
    assertThatCode(() -> SnapshotRules.checkAgainst(quiesced, "web", ONE, domain("RUNNING", true)))
        .doesNotThrowAnyException();
    // Not running: the service refuses that first (OPERATION_INVALID); not known yet (pending): it decides.
    assertThatCode(() -> SnapshotRules.checkAgainst(quiesced, "web", ONE, domain("SHUTOFF", false)))
        .doesNotThrowAnyException();
    assertThatCode(() -> SnapshotRules.checkAgainst(quiesced, "web", ONE, null)).doesNotThrowAnyException();
    assertThatCode(() -> SnapshotRules.checkAgainst(create("plain"), "web", ONE, domain("RUNNING", false)))
        .doesNotThrowAnyException();
  }
}
