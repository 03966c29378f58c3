package io.virtflow.snapshot.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The rows of docs/SNAPSHOT-RULES.md, one by one. */
class PlannerTest {
  private static final String VDA = "/pool/d-vda.qcow2";
  private static final String VDB = "/pool/d-vdb.qcow2";
  private int workflow;

  private Planner.FileNamer namer() {
    int wf = workflow++;
    return (target, i) -> "/pool/d-" + target + "-w" + wf + "-" + i + ".qcow2";
  }

  private Planner.Domain shutOffWithTwoDisks() {
    Map<String, String> base = new LinkedHashMap<>();
    base.put("vda", VDA);
    base.put("vdb", VDB);
    return new Planner.Domain("web1", Power.SHUTOFF, true, SnapshotTree.empty(), DiskLayout.of(base));
  }

  private static Plan planned(Planner.Decision d) {
    assertThat(d).isInstanceOf(Planner.Planned.class);
    return ((Planner.Planned) d).plan();
  }

  private static Refusal refused(Planner.Decision d) {
    assertThat(d).isInstanceOf(Planner.Refused.class);
    return ((Planner.Refused) d).refusal();
  }

  private Planner.Domain after(Planner.Domain d, Plan p) {
    return new Planner.Domain(d.name(), p.power(), d.guestAgent(), p.tree(), p.layout());
  }

  private Planner.Domain create(Planner.Domain d, String name, SnapshotKind kind) {
    return after(d, planned(Planner.create(d, name, kind, null, false, false, Instant.EPOCH, namer())));
  }

  @Test
  void createInternalTagsEveryDiskAndUndoRemovesTheTags() {
    Plan p = planned(Planner.create(shutOffWithTwoDisks(), "s1", SnapshotKind.INTERNAL, "first", false, false,
        Instant.EPOCH, namer()));
    assertThat(p.steps()).containsExactly(new Step.CreateInternal("vda", VDA, "s1"), new Step.CreateInternal("vdb", VDB, "s1"));
    assertThat(p.undo()).containsExactly(new Step.DeleteInternal("vdb", VDB, "s1"), new Step.DeleteInternal("vda", VDA, "s1"));
    Snapshot s = p.tree().get("s1").orElseThrow();
    assertThat(s.kind()).isEqualTo(SnapshotKind.INTERNAL);
    assertThat(s.creationState()).isEqualTo(Power.SHUTOFF);
    assertThat(s.indications()).isEqualTo(new Indications(false, false, false));
    assertThat(p.tree().currentName()).isEqualTo("s1");
    assertThat(p.layout().tags(VDA)).containsExactly("s1");
  }

  @Test
  void createExternalPutsANewOverlayOnEveryDiskAndUndoPutsTheOldFilesBack() {
    Plan p = planned(Planner.create(shutOffWithTwoDisks(), "s1", SnapshotKind.EXTERNAL, null, false, false,
        Instant.EPOCH, namer()));
    String overlayA = p.layout().active("vda");
    assertThat(overlayA).isNotEqualTo(VDA);
    assertThat(p.layout().backing(overlayA)).isEqualTo(VDA);
    assertThat(p.steps()).startsWith(new Step.CreateOverlay("vda", overlayA, VDA), new Step.SetActive("vda", overlayA));
    assertThat(p.undo()).contains(new Step.SetActive("vda", VDA), new Step.DeleteFile("vda", overlayA));
    assertThat(p.tree().get("s1").orElseThrow().disk("vda").orElseThrow())
        .isEqualTo(SnapshotDisk.external("vda", VDA, overlayA));
  }

  @Test
  void duplicateNameRefused() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "s1", SnapshotKind.INTERNAL);
    Refusal r = refused(Planner.create(d, "s1", SnapshotKind.EXTERNAL, null, false, false, Instant.EPOCH, namer()));
    assertThat(r.code()).isEqualTo("OPERATION_INVALID");
    assertThat(r.message()).contains("'s1' already exists");
  }

  @Test
  void leftoverTagRefused() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "s1", SnapshotKind.INTERNAL);
    d = after(d, planned(Planner.delete(d, "s1", false, false, true)));
    assertThat(d.layout().tags(VDA)).containsExactly("s1"); // metadata-only: the tag stays in the file
    Refusal r = refused(Planner.create(d, "s1", SnapshotKind.INTERNAL, null, false, false, Instant.EPOCH, namer()));
    assertThat(r.code()).isEqualTo("SNAPSHOT_UNSAFE");
    assertThat(r.message()).contains(VDA).contains("metadata-only");
  }

  @Test
  void memoryRefused() {
    Refusal r = refused(Planner.create(shutOffWithTwoDisks(), "s", SnapshotKind.INTERNAL, null, false, true,
        Instant.EPOCH, namer()));
    assertThat(r.code()).isEqualTo("OPERATION_UNSUPPORTED");
  }

  @Test
  void quiesceNeedsRunning() {
    Refusal r = refused(Planner.create(shutOffWithTwoDisks(), "s", SnapshotKind.INTERNAL, null, true, false,
        Instant.EPOCH, namer()));
    assertThat(r.code()).isEqualTo("OPERATION_INVALID");
    assertThat(r.message()).contains("running");
    Planner.Domain noAgent = new Planner.Domain("web1", Power.RUNNING, false, SnapshotTree.empty(),
        shutOffWithTwoDisks().layout());
    assertThat(refused(Planner.create(noAgent, "s", SnapshotKind.INTERNAL, null, true, false, Instant.EPOCH, namer()))
        .code()).isEqualTo("OPERATION_UNSUPPORTED");
  }

  @Test
  void quiesceFreezesAndThaws() {
    Planner.Domain running = new Planner.Domain("web1", Power.RUNNING, true, SnapshotTree.empty(),
        shutOffWithTwoDisks().layout());
    Plan p = planned(Planner.create(running, "s", SnapshotKind.EXTERNAL, null, true, false, Instant.EPOCH, namer()));
    assertThat(p.steps().get(0)).isEqualTo(new Step.Freeze());
    assertThat(p.steps().get(p.steps().size() - 1)).isEqualTo(new Step.Thaw());
    assertThat(p.undo()).contains(new Step.Thaw());
    assertThat(p.tree().get("s").orElseThrow().indications()).isEqualTo(new Indications(true, true, false));
    assertThat(p.power()).isEqualTo(Power.RUNNING);
  }

  @Test
  void noDisksRefused() {
    Planner.Domain none = new Planner.Domain("web1", Power.SHUTOFF, true, SnapshotTree.empty(), DiskLayout.of(Map.of()));
    assertThat(refused(Planner.create(none, "s", SnapshotKind.INTERNAL, null, false, false, Instant.EPOCH, namer()))
        .code()).isEqualTo("OPERATION_INVALID");
  }

  @Test
  void revertRunningNeedsForce() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "s1", SnapshotKind.INTERNAL);
    Planner.Domain running = new Planner.Domain("web1", Power.RUNNING, true, d.tree(), d.layout());
    Refusal r = refused(Planner.revert(running, "s1", Planner.StartMode.KEEP, false, namer()));
    assertThat(r.code()).isEqualTo("SNAPSHOT_UNSAFE");
    assertThat(r.message()).contains("force");
    Plan p = planned(Planner.revert(running, "s1", Planner.StartMode.KEEP, true, namer()));
    assertThat(p.steps()).containsSubsequence(new Step.StopDomain(), new Step.ApplyInternal("vda", VDA, "s1"),
        new Step.StartDomain(false));
  }

  @Test
  void revertInternalUnderOverlayWorksOnACopy() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "i1", SnapshotKind.INTERNAL);
    d = create(d, "e1", SnapshotKind.EXTERNAL);
    Plan p = planned(Planner.revert(d, "i1", Planner.StartMode.KEEP, false, namer()));
    // The original file is frozen under e1's overlay: it is never applied in place.
    assertThat(p.steps()).noneMatch(s -> s instanceof Step.ApplyInternal a && a.file().equals(VDA));
    String copy = p.layout().active("vda");
    assertThat(p.steps()).contains(new Step.CopyFile("vda", VDA, copy), new Step.ApplyInternal("vda", copy, "i1"),
        new Step.DeleteInternal("vda", copy, "i1"), new Step.SetActive("vda", copy));
    assertThat(p.layout().tags(copy)).isEmpty();
    assertThat(p.layout().backing(copy)).isNull();
    assertThat(p.tree().currentName()).isEqualTo("i1");
  }

  @Test
  void revertEndStates() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "s1", SnapshotKind.EXTERNAL);
    assertThat(planned(Planner.revert(d, "s1", Planner.StartMode.RUNNING, false, namer())).steps())
        .endsWith(new Step.StartDomain(false), new Step.DeleteFile("vda", d.layout().active("vda")),
            new Step.DeleteFile("vdb", d.layout().active("vdb")));
    assertThat(planned(Planner.revert(d, "s1", Planner.StartMode.PAUSED, false, namer())).power()).isEqualTo(Power.PAUSED);
    Plan keep = planned(Planner.revert(d, "s1", Planner.StartMode.KEEP, false, namer()));
    assertThat(keep.power()).isEqualTo(Power.SHUTOFF);
    assertThat(keep.steps()).noneMatch(s -> s instanceof Step.StartDomain || s instanceof Step.StopDomain);
  }

  @Test
  void unknownSnapshot() {
    assertThat(refused(Planner.revert(shutOffWithTwoDisks(), "nope", Planner.StartMode.KEEP, false, namer())).code())
        .isEqualTo("NO_SNAPSHOT");
    assertThat(refused(Planner.delete(shutOffWithTwoDisks(), "nope", false, false, false)).code()).isEqualTo("NO_SNAPSHOT");
  }

  @Test
  void deleteExternalBranchPointRebasesEveryChild() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "e1", SnapshotKind.EXTERNAL);
    String firstOverlay = d.layout().active("vda");
    d = create(d, "e2", SnapshotKind.EXTERNAL); // firstOverlay is now e2's frozen file
    d = after(d, planned(Planner.revert(d, "e1", Planner.StartMode.KEEP, false, namer()))); // a second branch on VDA
    assertThat(d.layout().overlaysOf(VDA)).hasSize(2);
    Plan p = planned(Planner.delete(d, "e1", false, false, false));
    List<Step> rebases = p.steps().stream().filter(s -> s instanceof Step.Rebase r && r.target().equals("vda")).toList();
    assertThat(rebases).hasSize(2).allMatch(s -> ((Step.Rebase) s).backing() == null);
    assertThat(p.steps()).contains(new Step.DeleteFile("vda", VDA));
    assertThat(p.layout().has(VDA)).isFalse();
    assertThat(p.layout().has(firstOverlay)).isTrue();
  }

  @Test
  void deleteExternalUnderChildsInternalKeepsTheFile() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "e1", SnapshotKind.EXTERNAL);
    d = create(d, "i2", SnapshotKind.INTERNAL); // the child's internal snapshot lives in e1's overlay
    Plan p = planned(Planner.delete(d, "e1", false, false, false));
    assertThat(p.steps()).noneMatch(s -> s instanceof Step.Rebase || s instanceof Step.DeleteFile);
    assertThat(p.layout().has(VDA)).isTrue();
    assertThat(p.tree().get("i2").orElseThrow().parent()).isNull();
  }

  @Test
  void deleteChildren() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "a", SnapshotKind.INTERNAL);
    d = create(d, "b", SnapshotKind.INTERNAL);
    d = create(d, "c", SnapshotKind.INTERNAL);
    Plan p = planned(Planner.delete(d, "a", true, false, false));
    assertThat(p.tree().isEmpty()).isTrue();
    assertThat(p.steps()).containsSubsequence(new Step.DeleteInternal("vda", VDA, "c"),
        new Step.DeleteInternal("vda", VDA, "b"), new Step.DeleteInternal("vda", VDA, "a"));
  }

  @Test
  void deleteChildrenOnly() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "a", SnapshotKind.INTERNAL);
    d = create(d, "b", SnapshotKind.INTERNAL);
    Plan p = planned(Planner.delete(d, "a", false, true, false));
    assertThat(p.tree().all()).extracting(Snapshot::name).containsExactly("a");
    assertThat(p.tree().currentName()).isEqualTo("a");
  }

  @Test
  void childrenFlagsExclusive() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "a", SnapshotKind.INTERNAL);
    assertThat(refused(Planner.delete(d, "a", true, true, false)).code()).isEqualTo("INVALID_ARG");
  }

  @Test
  void metadataOnlyTouchesNoFile() {
    Planner.Domain d = create(shutOffWithTwoDisks(), "e1", SnapshotKind.EXTERNAL);
    Plan p = planned(Planner.delete(d, "e1", false, false, true));
    assertThat(p.steps()).isEmpty();
    assertThat(p.layout().node(VDA).retained()).isTrue();
    // A later delete of something else never removes the retained file.
    assertThat(Planner.neededFiles(p.tree(), p.layout())).contains(VDA);
  }

  @Test
  void treeRefusesMissingParentsCyclesAndDuplicates() {
    Snapshot a = new Snapshot("a", "b", SnapshotKind.INTERNAL, null, Power.SHUTOFF, new Indications(false, false, false),
        Instant.EPOCH, List.of());
    Snapshot b = new Snapshot("b", "a", SnapshotKind.INTERNAL, null, Power.SHUTOFF, new Indications(false, false, false),
        Instant.EPOCH, List.of());
    Snapshot orphan = new Snapshot("o", "missing", SnapshotKind.INTERNAL, null, Power.SHUTOFF,
        new Indications(false, false, false), Instant.EPOCH, List.of());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SnapshotTree.of(List.of(a, b), null))
        .hasMessageContaining("cycle");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SnapshotTree.of(List.of(orphan), null))
        .hasMessageContaining("missing parent");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SnapshotTree.of(List.of(orphan.withParent(null),
        orphan.withParent(null)), null)).hasMessageContaining("twice");
  }
}
