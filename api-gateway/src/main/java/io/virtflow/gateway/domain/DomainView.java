package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.List;

/**
 * The latest full state of one domain, as its host agent published it.
 *
 * @param snapshotCount what the agent reported; the API shows the snapshot catalog's count instead
 *     ({@link SnapshotDirectory}), the catalog being the snapshot service's
 * @param project the project of whoever defined it, as the agent reports it; null when unknown
 */
public record DomainView(String domainId, String name, String hostId, String state, String reason, int vcpus,
    long memoryMiB, List<Disk> disks, int snapshotCount, long version, String principal, Instant updatedAt,
    String project) {

  /** A domain of no known project. */
  public DomainView(String domainId, String name, String hostId, String state, String reason, int vcpus,
      long memoryMiB, List<Disk> disks, int snapshotCount, long version, String principal, Instant updatedAt) {
    this(domainId, name, hostId, state, reason, vcpus, memoryMiB, disks, snapshotCount, version, principal, updatedAt,
        null);
  }

  /** One disk: the file in use now ({@code path}) may be an overlay after snapshots. */
  public record Disk(String target, int sizeGiB, String format, String path) {
  }

  public DomainView {
    disks = List.copyOf(disks);
  }
}
