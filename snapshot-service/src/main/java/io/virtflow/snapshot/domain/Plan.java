package io.virtflow.snapshot.domain;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a snapshot operation will do: its steps in order, the steps that undo a partly done create, and
 * the catalog as it will be once every step is done.
 */
public record Plan(List<Step> steps, List<Step> undo, SnapshotTree tree, DiskLayout layout, Power power) {
  public Plan {
    steps = List.copyOf(steps);
    undo = List.copyOf(undo);
  }

  /** Every file the plan creates, changes or deletes: written down before the first step runs. */
  public Set<String> touchedFiles() {
    Set<String> out = new LinkedHashSet<>();
    for (Step s : steps) {
      if (s.creates() != null) {
        out.add(s.creates());
      }
      if (s.changes() != null) {
        out.add(s.changes());
      }
      if (s.deletes() != null) {
        out.add(s.deletes());
      }
    }
    return out;
  }
}
