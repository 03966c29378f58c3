package io.virtflow.snapshot.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The running-guest rows of docs/SNAPSHOT-RULES.md ("A running guest on the libvirt driver"): a domain whose
 * active chains a real hypervisor holds ({@code filesHeld}). Every plan is checked by {@link Planner#live}.
 */
class LivePlannerTest {
  private static final String VDA = "/pool/d-vda.qcow2";
  private int workflow;

  private Planner.FileNamer namer() {
    int wf = workflow++;
    return (target, i) -> "/pool/d-" + target + "-w" + wf + "-" + i + ".qcow2";
  }

  private static Planner.Domain runningOnQemu() {
    return new Planner.Domain("web1", Power.RUNNING, false, SnapshotTree.empty(), DiskLayout.of(Map.of("vda", VDA)),
        true);
  }

  private static Plan planned(Planner.Decision d) {
    assertThat(d).isInstanceOf(Planner.Planned.class);
    return ((Planner.Planned) d).plan();
  }

  private static Refusal refused(Planner.Decision d) {
    assertThat(d).isInstanceOf(Planner.Refused.class);
    return ((Planner.Refused) d).refusal();
  }

  private Planner.Domain create(Planner.Domain d, String name, SnapshotKind kind) {
    Plan p = planned(Planner.create(d, name, kind, null, false, false, Instant.EPOCH, namer()));
    return new Planner.Domain(d.name(), p.power(), d.guestAgent(), p.tree(), p.layout(), d.filesHeld());
  }

  private static Planner.Domain stopped(Planner.Domain d) {
    return new Planner.Domain(d.name(), Power.SHUTOFF, d.guestAgent(), d.tree(), d.layout(), d.filesHeld());
  }

  @Test
  void heldOnlyWhileActive() {
    assertThat(runningOnQemu().held()).isTrue();
    assertThat(stopped(runningOnQemu()).held()).isFalse();
    assertThat(new Planner.Domain("web1", Power.RUNNING, false, SnapshotTree.empty(), DiskLayout.of(Map.of("vda", VDA)))
        .held()).isFalse();
  }

  @Test
  void deletingTheCurrentLeafIsABlockPullOfTheActiveFileThenItsOldBackingGoes() {
    Planner.Domain d = create(create(runningOnQemu(), "s1", SnapshotKind.EXTERNAL), "s2", SnapshotKind.EXTERNAL);
    String first = d.tree().get("s2").orElseThrow().disks().get(0).file();
    String active = d.layout().active("vda");
    Plan p = planned(Planner.delete(d, "s2", false, false, false));
    assertThat(p.steps()).containsExactly(new Step.Rebase("vda", active, VDA), new Step.DeleteFile("vda", first));
    assertThat(p.layout().chain("vda")).containsExactly(active, VDA);
    assertThat(p.tree().get("s1")).isPresent();
  }

  @Test
  void deletingTheOnlySnapshotPullsTheWholeChain() {
    Planner.Domain d = create(runningOnQemu(), "s1", SnapshotKind.EXTERNAL);
    String active = d.layout().active("vda");
    Plan p = planned(Planner.delete(d, "s1", false, false, false));
    assertThat(p.steps()).containsExactly(new Step.Rebase("vda", active, null), new Step.DeleteFile("vda", VDA));
  }

  @Test
  void deletingASnapshotBelowTheActiveFileIsRefusedWithTheReason() {
    Planner.Domain d = create(create(runningOnQemu(), "s1", SnapshotKind.EXTERNAL), "s2", SnapshotKind.EXTERNAL);
    Refusal r = refused(Planner.delete(d, "s1", false, false, false));
    assertThat(r.code()).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(r.message()).contains("reads through", "shut the domain down first");
    // The same request on the stopped domain is a plain rebase.
    assertThat(planned(Planner.delete(stopped(d), "s1", false, false, false)).steps()).isNotEmpty();
  }

  @Test
  void deletingWithChildrenFromTheRootPullsOnceAndDropsEveryFrozenFile() {
    Planner.Domain d = create(create(runningOnQemu(), "s1", SnapshotKind.EXTERNAL), "s2", SnapshotKind.EXTERNAL);
    String active = d.layout().active("vda");
    Plan p = planned(Planner.delete(d, "s1", true, false, false));
    assertThat(p.tree().all()).isEmpty();
    assertThat(p.steps()).contains(new Step.Rebase("vda", active, null));
    assertThat(p.layout().chain("vda")).containsExactly(active);
    assertThat(Planner.live(d, "s1", p.steps())).isNull();
  }

  @Test
  void anInternalSnapshotInAHeldFileIsNotDeletedLive() {
    Planner.Domain stoppedWithTag = create(stopped(runningOnQemu()), "i1", SnapshotKind.INTERNAL);
    Planner.Domain d = new Planner.Domain("web1", Power.RUNNING, false, stoppedWithTag.tree(), stoppedWithTag.layout(),
        true);
    Refusal r = refused(Planner.delete(d, "i1", false, false, false));
    assertThat(r.code()).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(r.message()).contains("internal snapshot 'i1'");
    assertThat(planned(Planner.delete(d, "i1", false, false, true)).steps()).isEmpty();
  }

  @Test
  void internalAndQuiescedCreatesAreRefusedOnAHeldChain() {
    Refusal internal = refused(Planner.create(runningOnQemu(), "i1", SnapshotKind.INTERNAL, null, false, false,
        Instant.EPOCH, namer()));
    assertThat(internal.code()).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(internal.message()).contains("QEMU 7.2");
    Planner.Domain withAgent = new Planner.Domain("web1", Power.RUNNING, true, SnapshotTree.empty(),
        DiskLayout.of(Map.of("vda", VDA)), true);
    Refusal quiesce = refused(Planner.create(withAgent, "q1", SnapshotKind.EXTERNAL, null, true, false, Instant.EPOCH,
        namer()));
    assertThat(quiesce.code()).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(planned(Planner.create(stopped(runningOnQemu()), "i1", SnapshotKind.INTERNAL, null, false, false,
        Instant.EPOCH, namer())).steps()).isNotEmpty();
  }
}
