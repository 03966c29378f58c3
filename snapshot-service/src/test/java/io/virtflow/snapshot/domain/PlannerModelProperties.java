package io.virtflow.snapshot.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random sequences of guest writes, creates (internal and external), reverts and deletes (with every
 * flag) over a domain with one to three disks, run against an in-memory model of qcow2. After every
 * step: every surviving snapshot reads exactly the bytes it had when taken, the live disks read what
 * they must, and the catalog's files are exactly the files that exist, each one needed.
 */
class PlannerModelProperties {

  sealed interface Action permits Write, Create, Revert, Delete {
  }

  record Write(int disk, int cluster, int value) implements Action {
  }

  record Create(int name, SnapshotKind kind) implements Action {
  }

  record Revert(int name, Planner.StartMode mode) implements Action {
  }

  record Delete(int name, boolean children, boolean childrenOnly, boolean metadataOnly) implements Action {
  }

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Action> write = Combinators.combine(Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(0, QcowModel.CLUSTERS - 1), Arbitraries.integers().between(1, 1000))
        .as(Write::new);
    Arbitrary<Action> create = Combinators.combine(Arbitraries.integers().between(0, 5),
        Arbitraries.of(SnapshotKind.class)).as(Create::new);
    Arbitrary<Action> revert = Combinators.combine(Arbitraries.integers().between(0, 5),
        Arbitraries.of(Planner.StartMode.class)).as(Revert::new);
    Arbitrary<Action> delete = Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.of(true, false),
        Arbitraries.of(true, false), Arbitraries.integers().between(0, 4).map(i -> i == 0))
        .as(Delete::new);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, write), net.jqwik.api.Tuple.of(3, create),
        net.jqwik.api.Tuple.of(2, revert), net.jqwik.api.Tuple.of(2, delete)).list().ofMaxSize(40);
  }

  @Property(tries = 400)
  void everySnapshotAndTheLiveDiskKeepTheirBytes(@ForAll("actions") List<Action> actions,
      @ForAll @IntRange(min = 1, max = 3) int diskCount) {
    new Run(diskCount).play(actions);
  }

  /**
   * The same on a running guest whose chains QEMU holds: every plan the rules give is one QEMU can carry out
   * (no qemu-img on a held file; the active file changes only by a block pull down its own chain), and the
   * bytes are kept as above.
   */
  @Property(tries = 300)
  void onAHeldChainEveryPlanRunsLiveAndKeepsTheBytes(@ForAll("actions") List<Action> actions,
      @ForAll @IntRange(min = 1, max = 2) int diskCount) {
    new Run(diskCount, true).play(actions);
  }

  static final class Run {
    final QcowModel model = new QcowModel();
    final List<String> targets;
    final boolean held;
    Planner.Domain domain;
    final Map<String, Map<String, Map<Integer, Integer>>> expected = new HashMap<>();
    int workflow;

    Run(int diskCount) {
      this(diskCount, false);
    }

    Run(int diskCount, boolean held) {
      this.held = held;
      targets = List.of("vda", "vdb", "vdc").subList(0, diskCount);
      Map<String, String> base = new LinkedHashMap<>();
      for (String t : targets) {
        String file = "/pool/d-" + t + ".qcow2";
        base.put(t, file);
        model.files.put(file, new QcowModel.File());
        model.active.put(t, file);
      }
      domain = new Planner.Domain("d", held ? Power.RUNNING : Power.SHUTOFF, !held, SnapshotTree.empty(),
          DiskLayout.of(base), held);
    }

    void play(List<Action> actions) {
      for (Action a : actions) {
        step(a);
        check(a);
      }
    }

    Map<String, Map<Integer, Integer>> live() {
      Map<String, Map<Integer, Integer>> out = new HashMap<>();
      for (String t : targets) {
        out.put(t, model.content(model.active.get(t)));
      }
      return out;
    }

    void step(Action a) {
      int wf = workflow++;
      Planner.FileNamer namer = (target, i) -> "/pool/d-" + target + "-w" + wf + "-" + i + ".qcow2";
      Planner.Decision decision;
      if (a instanceof Write w) {
        if (w.disk() < targets.size()) {
          model.write(targets.get(w.disk()), w.cluster(), w.value());
        }
        return;
      } else if (a instanceof Create c) {
        decision = Planner.create(domain, "s" + c.name(), c.kind(), null, false, false, Instant.EPOCH, namer);
        if (decision instanceof Planner.Planned) {
          expected.put("s" + c.name(), live());
        }
      } else if (a instanceof Revert r) {
        decision = Planner.revert(domain, "s" + r.name(), r.mode(), true, namer);
      } else {
        Delete d = (Delete) a;
        decision = Planner.delete(domain, "s" + d.name(), d.children(), d.childrenOnly(), d.metadataOnly());
      }
      if (decision instanceof Planner.Refused refused) {
        assertThat(refused.refusal().code()).as(a + ": " + refused.refusal().message())
            .isIn(held ? new String[] {"NO_SNAPSHOT", "OPERATION_INVALID", "INVALID_ARG", "SNAPSHOT_UNSAFE",
                "OPERATION_UNSUPPORTED"} : new String[] {"NO_SNAPSHOT", "OPERATION_INVALID", "INVALID_ARG",
                "SNAPSHOT_UNSAFE"});
        return;
      }
      Plan plan = ((Planner.Planned) decision).plan();
      if (held) {
        checkRunsLive(a, plan);
      }
      Set<String> before = model.fileNames();
      for (Step s : plan.steps()) {
        model.apply(s);
      }
      for (String f : plan.touchedFiles()) {
        assertThat(before.contains(f) || model.files.containsKey(f)).as("touched file %s was never there", f).isTrue();
      }
      if (a instanceof Revert r) {
        Map<String, Map<Integer, Integer>> want = expected.get("s" + r.name());
        assertThat(live()).as("live disks after reverting to s" + r.name()).isEqualTo(want);
      }
      domain = new Planner.Domain("d", plan.power(), !held, plan.tree(), plan.layout(), held);
      expected.keySet().retainAll(plan.tree().all().stream().map(Snapshot::name).toList());
    }

    /**
     * Walks the plan against the chains QEMU holds: until the guest is stopped, a step may write a held file
     * only as a block pull of an active file down its own chain (which releases what it skips).
     */
    void checkRunsLive(Action a, Plan plan) {
      DiskLayout layout = domain.layout();
      for (Step s : plan.steps()) {
        if (s instanceof Step.StopDomain) {
          return;
        }
        java.util.Set<String> heldNow = new java.util.HashSet<>();
        for (String t : layout.targets()) {
          heldNow.addAll(layout.chain(t));
        }
        assertThat(s).as("%s: %s on a running guest", a, s).isNotInstanceOf(Step.CreateInternal.class)
            .isNotInstanceOf(Step.ApplyInternal.class);
        if (s instanceof Step.CreateOverlay c) {
          layout = layout.withFile(c.file(), c.target(), c.backing());
        } else if (s instanceof Step.SetActive sa) {
          // libvirt's disk-only external snapshot: only onto a new overlay of the active file.
          assertThat(layout.backing(sa.file())).as("%s: %s on a running guest", a, s).isEqualTo(layout.active(sa.target()));
          layout = layout.withActive(sa.target(), sa.file());
        } else if (s instanceof Step.Rebase r && heldNow.contains(r.file())) {
          assertThat(r.file()).as("%s: %s rebases a held file that is not active", a, s).isEqualTo(layout.active(r.target()));
          if (r.backing() != null) {
            assertThat(layout.chain(r.target())).as("%s: %s pulls down to a file outside the chain", a, s)
                .contains(r.backing());
          }
          layout = layout.withBacking(r.file(), r.backing());
        } else if (s instanceof Step.Rebase r) {
          layout = layout.withBacking(r.file(), r.backing());
        } else {
          assertThat(s.changes() == null || !heldNow.contains(s.changes())).as("%s: %s changes a held file", a, s)
              .isTrue();
          assertThat(s.deletes() == null || !heldNow.contains(s.deletes())).as("%s: %s deletes a held file", a, s)
              .isTrue();
        }
      }
    }

    void check(Action a) {
      for (Snapshot s : domain.tree().all()) {
        for (SnapshotDisk disk : s.disks()) {
          Map<Integer, Integer> got = disk.internal()
              ? model.snapshotContent(disk.file(), disk.tag()) : model.content(disk.file());
          assertThat(got).as("after %s, snapshot %s disk %s", a, s.name(), disk.target())
              .isEqualTo(expected.get(s.name()).get(disk.target()));
        }
      }
      DiskLayout layout = domain.layout();
      assertThat(model.fileNames()).as("after %s: files on disk = files in the catalog", a)
          .isEqualTo(layout.files().keySet());
      for (var e : layout.files().entrySet()) {
        assertThat(model.files.get(e.getKey()).backing).as("backing of %s", e.getKey()).isEqualTo(e.getValue().backing());
        assertThat(model.files.get(e.getKey()).snapshots.keySet()).as("tags of %s", e.getKey())
            .isEqualTo(e.getValue().tags());
      }
      assertThat(model.active).isEqualTo(layout.activeFiles());
      assertThat(Planner.neededFiles(domain.tree(), layout)).as("after %s: no orphan file", a)
          .isEqualTo(layout.files().keySet());
    }
  }
}
