package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.List;

/**
 * The latest full state of one domain, as its host agent published it.
 *
 * @param snapshotCount what the agent reported; the API shows the snapshot catalog's count instead
 *     ({@link SnapshotDirectory}), the catalog being the snapshot service's
 */
public record DomainView(String domainId, String name, String hostId, String state, String reason, int vcpus,
    long memoryMiB, List<Disk> disks, int snapshotCount, long version, String principal, Instant updatedAt) {

  /** One disk: the file in use now ({@code path}) may be an overlay after snapshots. */
  public record Disk(String target, int sizeGiB, String format, String path) {
  }

  public DomainView {
    disks = List.copyOf(disks);
  }
}
