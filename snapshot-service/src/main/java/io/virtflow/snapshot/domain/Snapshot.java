package io.virtflow.snapshot.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One snapshot of one domain, as persisted: only its parent's name links it into the tree (children and
 * the current marker are derived, as libvirt's virdomainmomentobjlist does).
 */
public record Snapshot(String name, String parent, SnapshotKind kind, String description, Power creationState,
    Indications indications, Instant createdAt, List<SnapshotDisk> disks) {

  public Snapshot {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(creationState, "creationState");
    disks = List.copyOf(disks);
  }

  public Optional<SnapshotDisk> disk(String target) {
    return disks.stream().filter(d -> d.target().equals(target)).findFirst();
  }

  public Snapshot withParent(String newParent) {
    return new Snapshot(name, newParent, kind, description, creationState, indications, createdAt, disks);
  }
}
