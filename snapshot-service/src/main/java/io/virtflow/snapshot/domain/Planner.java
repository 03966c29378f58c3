package io.virtflow.snapshot.domain;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The snapshot rules: turns a request and a domain's catalog into a {@link Plan}, or refuses it before
 * anything is touched. Pure. The rules and their reasons are in {@code docs/SNAPSHOT-RULES.md}.
 *
 * <p>The invariant every plan keeps: each surviving snapshot and the live disk read exactly the bytes they
 * read before (a revert changes only the live disk, to the snapshot's bytes). A file that a surviving
 * snapshot needs is never changed in a way that alters what that snapshot reads: internal snapshots are
 * applied only on a file nothing else reads through, or on a copy; overlays are rebased only when they
 * hold no internal snapshot (whose view the rebase would change).
 */
public final class Planner {

  /** How a revert leaves the domain. */
  public enum StartMode { RUNNING, PAUSED, KEEP }

  /**
   * A domain as the rules see it. {@code filesHeld}: while it is active, a real hypervisor holds the files
   * of its disks' chains (QEMU under the libvirt driver): no {@code qemu-img} may change them, and a merge
   * must be one QEMU can do live (see {@link #live}).
   */
  public record Domain(String name, Power power, boolean guestAgent, SnapshotTree tree, DiskLayout layout,
      boolean filesHeld) {
    public Domain(String name, Power power, boolean guestAgent, SnapshotTree tree, DiskLayout layout) {
      this(name, power, guestAgent, tree, layout, false);
    }

    /** Whether the chains are held now. */
    public boolean held() {
      return filesHeld && power.active();
    }
  }

  /** Names new files: {@code <dir of the disk's base>/<domain>-<target>-<token>.qcow2}. */
  public interface FileNamer {
    String newFile(String target, int index);
  }

  private Planner() {
  }

  public sealed interface Decision permits Planned, Refused {
  }

  public record Planned(Plan plan) implements Decision {
  }

  public record Refused(Refusal refusal) implements Decision {
  }

  private static Refused refuse(String code, String message) {
    return new Refused(new Refusal(code, message));
  }

  // ---------------------------------------------------------------- create

  public static Decision create(Domain d, String name, SnapshotKind kind, String description, boolean quiesce,
      boolean memory, Instant now, FileNamer namer) {
    if (d.tree().contains(name)) {
      return refuse("OPERATION_INVALID", "snapshot '" + name + "' already exists for domain '" + d.name() + "'");
    }
    if (memory) {
      return refuse("OPERATION_UNSUPPORTED", "memory state snapshots are not supported: snapshots are disk-only");
    }
    if (quiesce && d.power() != Power.RUNNING) {
      return refuse("OPERATION_INVALID", "quiesce needs a running domain; '" + d.name() + "' is "
          + d.power().name().toLowerCase());
    }
    if (quiesce && !d.guestAgent()) {
      return refuse("OPERATION_UNSUPPORTED", "quiesce needs a guest agent; domain '" + d.name() + "' has none");
    }
    if (d.layout().targets().isEmpty()) {
      return refuse("OPERATION_INVALID", "domain '" + d.name() + "' has no disks to snapshot");
    }
    if (d.held() && kind == SnapshotKind.INTERNAL) {
      return refuse("OPERATION_UNSUPPORTED", "cannot take an internal snapshot of domain '" + d.name() + "' while it is "
          + d.power().name().toLowerCase() + ": QEMU 7.2 takes no disk-only internal snapshot of a running guest, "
          + "and snapshots with memory are not supported yet; take an EXTERNAL one, or shut the domain down first");
    }
    if (d.held() && quiesce) {
      return refuse("OPERATION_UNSUPPORTED", "quiesce of a running guest on a real hypervisor is not supported yet: "
          + "take the snapshot of '" + d.name() + "' without quiesce");
    }
    List<Step> steps = new ArrayList<>();
    Deque<Step> undo = new ArrayDeque<>();
    DiskLayout layout = d.layout();
    List<SnapshotDisk> disks = new ArrayList<>();
    if (quiesce) {
      steps.add(new Step.Freeze());
      undo.push(new Step.Thaw());
    }
    int index = 0;
    for (String target : d.layout().targets()) {
      String top = layout.active(target);
      if (kind == SnapshotKind.INTERNAL) {
        if (layout.tags(top).contains(name)) {
          return refuse("SNAPSHOT_UNSAFE", "image " + top + " already holds an internal snapshot '" + name
              + "' that the catalog does not know (left by a metadata-only delete); choose another name");
        }
        steps.add(new Step.CreateInternal(target, top, name));
        undo.push(new Step.DeleteInternal(target, top, name));
        layout = layout.withTag(top, name);
        disks.add(SnapshotDisk.internal(target, top, name));
      } else {
        String overlay = namer.newFile(target, index++);
        steps.add(new Step.CreateOverlay(target, overlay, top));
        steps.add(new Step.SetActive(target, overlay));
        undo.push(new Step.DeleteFile(target, overlay));
        undo.push(new Step.SetActive(target, top));
        layout = layout.withFile(overlay, target, top).withActive(target, overlay);
        disks.add(SnapshotDisk.external(target, top, overlay));
      }
    }
    if (quiesce) {
      steps.add(new Step.Thaw());
    }
    Snapshot snapshot = new Snapshot(name, d.tree().currentName(), kind, description, d.power(),
        new Indications(d.power().active(), quiesce, d.power() == Power.PAUSED), now, disks);
    return new Planned(new Plan(steps, List.copyOf(undo), d.tree().add(snapshot), layout, d.power()));
  }

  // ---------------------------------------------------------------- revert

  public static Decision revert(Domain d, String name, StartMode mode, boolean force, FileNamer namer) {
    Snapshot s = d.tree().get(name).orElse(null);
    if (s == null) {
      return refuse("NO_SNAPSHOT", "domain '" + d.name() + "' has no snapshot '" + name + "'");
    }
    if (d.power().active() && !force) {
      return refuse("SNAPSHOT_UNSAFE", "domain '" + d.name() + "' is " + d.power().name().toLowerCase()
          + ": reverting its disks discards its running state; repeat with force=true");
    }
    for (SnapshotDisk disk : s.disks()) {
      if (!d.layout().targets().contains(disk.target())) {
        return refuse("OPERATION_UNSUPPORTED", "snapshot '" + name + "' has disk " + disk.target()
            + " which the domain no longer has");
      }
      if (!d.layout().has(disk.file())) {
        return refuse("SNAPSHOT_UNSAFE", "image " + disk.file() + " of snapshot '" + name + "' is not in the catalog");
      }
    }
    Power end = switch (mode) {
      case RUNNING -> Power.RUNNING;
      case PAUSED -> Power.PAUSED;
      case KEEP -> d.power();
    };
    List<Step> prepare = new ArrayList<>();
    List<Step> switchOver = new ArrayList<>();
    List<Step> inPlace = new ArrayList<>();
    DiskLayout layout = d.layout();
    int index = 0;
    for (SnapshotDisk disk : s.disks()) {
      String target = disk.target();
      String top = layout.active(target);
      if (disk.internal()) {
        if (disk.file().equals(top)) {
          // The live top file: nothing reads through it, its other internal snapshots are unaffected.
          inPlace.add(new Step.ApplyInternal(target, top, disk.tag()));
        } else {
          // The file is frozen under other files: work on a copy that shares its backing.
          String copy = namer.newFile(target, index++);
          prepare.add(new Step.CopyFile(target, disk.file(), copy));
          prepare.add(new Step.ApplyInternal(target, copy, disk.tag()));
          layout = layout.withCopy(disk.file(), copy);
          for (String tag : d.layout().tags(disk.file())) {
            prepare.add(new Step.DeleteInternal(target, copy, tag));
            layout = layout.withoutTag(copy, tag);
          }
          switchOver.add(new Step.SetActive(target, copy));
          layout = layout.withActive(target, copy);
        }
      } else {
        String overlay = namer.newFile(target, index++);
        prepare.add(new Step.CreateOverlay(target, overlay, disk.file()));
        layout = layout.withFile(overlay, target, disk.file());
        switchOver.add(new Step.SetActive(target, overlay));
        layout = layout.withActive(target, overlay);
      }
    }
    SnapshotTree tree = d.tree().withCurrent(name);
    List<Step> steps = new ArrayList<>(prepare);
    if (d.power().active()) {
      steps.add(new Step.StopDomain());
    }
    steps.addAll(switchOver);
    steps.addAll(inPlace);
    if (end.active()) {
      steps.add(new Step.StartDomain(end == Power.PAUSED));
    }
    Collected gc = collect(tree, layout);
    steps.addAll(gc.steps());
    // Undo before the domain was stopped: remove what was prepared. Later, a revert only goes forward.
    List<Step> undo = new ArrayList<>();
    for (Step p : prepare) {
      if (p.creates() != null) {
        undo.add(new Step.DeleteFile(targetOf(p), p.creates()));
      }
    }
    return new Planned(new Plan(steps, undo, tree, gc.layout(), end));
  }

  // ---------------------------------------------------------------- delete

  public static Decision delete(Domain d, String name, boolean children, boolean childrenOnly, boolean metadataOnly) {
    Snapshot s = d.tree().get(name).orElse(null);
    if (s == null) {
      return refuse("NO_SNAPSHOT", "domain '" + d.name() + "' has no snapshot '" + name + "'");
    }
    if (children && childrenOnly) {
      return refuse("INVALID_ARG", "children and childrenOnly exclude each other");
    }
    List<Snapshot> victims = new ArrayList<>(d.tree().descendantsLeavesFirst(name));
    if (!children && !childrenOnly) {
      victims.clear();
    }
    if (!childrenOnly) {
      victims.add(s);
    }
    SnapshotTree tree = d.tree();
    DiskLayout layout = d.layout();
    if (metadataOnly) {
      for (Snapshot v : victims) {
        tree = tree.remove(v.name());
        for (SnapshotDisk disk : v.disks()) {
          if (!disk.internal() && layout.has(disk.file())) {
            layout = layout.retained(disk.file());
          }
        }
      }
      return new Planned(new Plan(List.of(), List.of(), tree, layout, d.power()));
    }
    List<Step> tagSteps = new ArrayList<>();
    List<Step> rebaseSteps = new ArrayList<>();
    for (Snapshot v : victims) {
      tree = tree.remove(v.name());
      for (SnapshotDisk disk : v.disks()) {
        if (disk.internal()) {
          if (layout.has(disk.file()) && layout.tags(disk.file()).contains(disk.tag())) {
            tagSteps.add(new Step.DeleteInternal(disk.target(), disk.file(), disk.tag()));
            layout = layout.withoutTag(disk.file(), disk.tag());
          }
        }
      }
    }
    // Merge every external victim's frozen image into the files that read through it, where that keeps
    // every reader's bytes: the image holds no internal snapshot and neither does any overlay on it.
    for (Snapshot v : victims) {
      if (v.kind() != SnapshotKind.EXTERNAL) {
        continue;
      }
      for (SnapshotDisk disk : v.disks()) {
        String frozen = disk.file();
        if (!layout.has(frozen) || stillNamed(tree, frozen) || layout.node(frozen).pinned()
            || layout.activeFiles().containsValue(frozen)) {
          continue;
        }
        Set<String> stillNeeded = neededFiles(tree, layout.withoutFile(frozen));
        List<String> readers = layout.overlaysOf(frozen).stream().filter(stillNeeded::contains).toList();
        DiskLayout now = layout;
        SnapshotTree remaining = tree;
        if (readers.stream().anyMatch(r -> now.node(r).pinned() || namedAsInternalHost(remaining, r))) {
          continue; // kept as a nameless chain member: its readers' internal snapshots need it as it is
        }
        String below = layout.backing(frozen);
        for (String reader : readers) {
          rebaseSteps.add(new Step.Rebase(disk.target(), reader, below));
          layout = layout.withBacking(reader, below);
        }
      }
    }
    Collected gc = collect(tree, layout);
    List<Step> steps = new ArrayList<>(tagSteps);
    steps.addAll(rebaseSteps);
    steps.addAll(gc.steps());
    if (d.held()) {
      Refused refused = live(d, name, steps);
      if (refused != null) {
        return refused;
      }
    }
    return new Planned(new Plan(steps, List.of(), tree, gc.layout(), d.power()));
  }

  /**
   * Whether a delete's steps can run while QEMU holds every file of the running chains (each disk's active
   * file and the files it reads through), or the refusal that names the first one that cannot. QEMU writes
   * the active file and reads the rest; a held file can change only through QEMU itself:
   * <ul>
   *   <li>the active file rebased onto a file further down its chain is a block pull (QEMU copies what lies
   *       between into the active file, which keeps its bytes, and drops those files from the chain);
   *   <li>a file that a pull dropped is no longer held: it may be deleted;
   *   <li>a held file below the active one cannot be rebased (that would be a block commit into the file
   *       below, which moves a snapshot's data into another file: not built), nor lose an internal snapshot
   *       (QEMU's live internal snapshot delete is not built), and a file outside the running chains cannot be
   *       rebased across a held one (qemu-img would have to open it beside QEMU).
   * </ul>
   */
  static Refused live(Domain d, String name, List<Step> steps) {
    DiskLayout layout = d.layout();
    Set<String> held = new HashSet<>();
    for (String target : layout.targets()) {
      held.addAll(layout.chain(target));
    }
    String state = d.power().name().toLowerCase();
    for (Step step : steps) {
      if (step instanceof Step.Rebase r) {
        boolean active = r.file().equals(layout.active(r.target()));
        if (active) {
          List<String> chain = layout.chain(r.target());
          if (r.backing() != null && !chain.contains(r.backing())) {
            throw new IllegalStateException("rebase of " + r.file() + " onto " + r.backing() + " outside its chain");
          }
          // The pull drops everything between the active file and its new backing from the chain.
          int from = 1;
          int to = r.backing() == null ? chain.size() : chain.indexOf(r.backing());
          held.removeAll(chain.subList(from, to));
          layout = layout.withBacking(r.file(), r.backing());
        } else if (held.contains(r.file())) {
          return refuse("OPERATION_UNSUPPORTED", "cannot delete snapshot '" + name + "' of domain '" + d.name()
              + "' while it is " + state + ": its data would have to move into " + r.file() + ", which the guest "
              + "reads through below its active file (a live block commit that moves a snapshot's data into another "
              + "file is not built); shut the domain down first, or delete with metadataOnly=true");
        } else if ((r.backing() != null && held.contains(r.backing())) || held.contains(layout.backing(r.file()))) {
          return refuse("OPERATION_UNSUPPORTED", "cannot delete snapshot '" + name + "' of domain '" + d.name()
              + "' while it is " + state + ": " + r.file() + " (outside the running chain) would be rebased across "
              + "files the guest holds; shut the domain down first, or delete with metadataOnly=true");
        } else {
          layout = layout.withBacking(r.file(), r.backing());
        }
      } else if (step instanceof Step.DeleteInternal di && held.contains(di.file())) {
        return refuse("OPERATION_UNSUPPORTED", "cannot delete internal snapshot '" + di.tag() + "' from " + di.file()
            + " while domain '" + d.name() + "' is " + state + " and holds that file (QEMU's live internal snapshot "
            + "delete is not supported yet); shut the domain down first, or delete with metadataOnly=true");
      } else if (step instanceof Step.DeleteFile df && held.contains(df.file())) {
        throw new IllegalStateException("plan deletes " + df.file() + ", which the running guest holds");
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- what is still needed

  private record Collected(List<Step> steps, DiskLayout layout) {
  }

  /**
   * Files still needed: every disk's active file, every file a snapshot names, every pinned file, and
   * every file any of those reads through. The rest is deleted, overlays before their backing files.
   */
  static Collected collect(SnapshotTree tree, DiskLayout layout) {
    Set<String> needed = neededFiles(tree, layout);
    List<Step> steps = new ArrayList<>();
    DiskLayout out = layout;
    Set<String> doomed = new LinkedHashSet<>(layout.files().keySet());
    doomed.removeAll(needed);
    while (!doomed.isEmpty()) {
      boolean progressed = false;
      for (String f : List.copyOf(doomed)) {
        DiskLayout current = out;
        boolean readBy = current.overlaysOf(f).stream().anyMatch(doomed::contains);
        if (!readBy) {
          steps.add(new Step.DeleteFile(current.node(f).target(), f));
          out = out.withoutFile(f);
          doomed.remove(f);
          progressed = true;
        }
      }
      if (!progressed) {
        throw new IllegalStateException("backing cycle among " + doomed);
      }
    }
    return new Collected(steps, out);
  }

  public static Set<String> neededFiles(SnapshotTree tree, DiskLayout layout) {
    Deque<String> work = new ArrayDeque<>(layout.activeFiles().values());
    for (Snapshot s : tree.all()) {
      for (SnapshotDisk disk : s.disks()) {
        work.add(disk.file());
      }
    }
    layout.files().forEach((f, node) -> {
      if (node.pinned()) {
        work.add(f);
      }
    });
    Set<String> needed = new HashSet<>();
    while (!work.isEmpty()) {
      String f = work.pop();
      if (f != null && layout.has(f) && needed.add(f)) {
        String b = layout.backing(f);
        if (b != null) {
          work.push(b);
        }
      }
    }
    return needed;
  }

  private static boolean stillNamed(SnapshotTree tree, String file) {
    return tree.all().stream().flatMap(s -> s.disks().stream()).anyMatch(d -> d.file().equals(file));
  }

  private static boolean namedAsInternalHost(SnapshotTree tree, String file) {
    return tree.all().stream().flatMap(s -> s.disks().stream()).anyMatch(d -> d.internal() && d.file().equals(file));
  }

  private static String targetOf(Step step) {
    if (step instanceof Step.CreateOverlay c) {
      return c.target();
    }
    if (step instanceof Step.CopyFile c) {
      return c.target();
    }
    throw new IllegalArgumentException("no target in " + step);
  }
}
