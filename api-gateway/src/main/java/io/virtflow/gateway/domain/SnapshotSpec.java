package io.virtflow.gateway.domain;

import java.util.Objects;

/**
 * A create-snapshot request as the client wrote it; {@link SnapshotRules} checks it.
 *
 * @param description free text, or null
 * @param quiesce freeze the guest's file systems through its agent while the disks are snapshotted
 * @param memory also save the guest's memory (a checkpoint), not only its disks
 */
public record SnapshotSpec(String name, SnapshotKind kind, String description, boolean quiesce, boolean memory) {
  public SnapshotSpec {
    Objects.requireNonNull(kind);
  }
}
