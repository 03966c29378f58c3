package io.virtflow.snapshot.domain;

import java.util.List;

/**
 * One domain's snapshot catalog as the event log last left it: the tree, the disk files, and the
 * workflow under way, if any (written before its first step, cleared by its final event).
 */
public record DomainCatalog(String domainId, SnapshotTree tree, DiskLayout layout, InProgress inProgress) {

  /** A workflow that recorded "started" and not yet "finished". */
  public record InProgress(String workflowId, String commandId, Phase phase, String snapshotName, String hostId,
      List<Step> steps, List<Step> undo, SnapshotTree plannedTree, DiskLayout plannedLayout) {
    /** What the workflow is doing; the names are those of the "started" event's phase. */
    public enum Phase { CREATING, REVERTING, DELETING }

    public InProgress {
      steps = List.copyOf(steps);
      undo = List.copyOf(undo);
    }
  }

  public boolean busy() {
    return inProgress != null;
  }
}
