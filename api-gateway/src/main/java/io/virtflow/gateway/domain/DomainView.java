package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.List;

/**
 * The latest full state of one domain, as its host agent published it.
 *
 * @param snapshotCount what the agent reported; the API shows the snapshot catalog's count instead
 *     ({@link SnapshotDirectory}), the catalog being the snapshot service's
 * @param project the project of whoever defined it, as the agent reports it; null when unknown
 * @param boot its direct kernel boot, or null when it boots from its first disk
 * @param interfaces its network interfaces, each with the MAC the host chose
 * @param guestAgent whether its definition has a guest agent channel (quiesce needs one)
 * @param guestAgentConnected whether the guest agent is connected now; null when the host does not know
 */
public record DomainView(String domainId, String name, String hostId, String state, String reason, int vcpus,
    long memoryMiB, List<Disk> disks, int snapshotCount, long version, String principal, Instant updatedAt,
    String project, BootSpec boot, List<InterfaceSpec> interfaces, boolean guestAgent, Boolean guestAgentConnected) {

  /** A domain without boot, interfaces or guest agent. */
  public DomainView(String domainId, String name, String hostId, String state, String reason, int vcpus,
      long memoryMiB, List<Disk> disks, int snapshotCount, long version, String principal, Instant updatedAt,
      String project) {
    this(domainId, name, hostId, state, reason, vcpus, memoryMiB, disks, snapshotCount, version, principal, updatedAt,
        project, null, List.of(), false, null);
  }

  /** A domain of no known project. */
  public DomainView(String domainId, String name, String hostId, String state, String reason, int vcpus,
      long memoryMiB, List<Disk> disks, int snapshotCount, long version, String principal, Instant updatedAt) {
    this(domainId, name, hostId, state, reason, vcpus, memoryMiB, disks, snapshotCount, version, principal, updatedAt,
        null);
  }

  /**
   * One disk: the file in use now ({@code path}) may be an overlay after snapshots; {@code image} is the
   * base image of the host's image directory it was made on, or null for a blank disk.
   */
  public record Disk(String target, int sizeGiB, String format, String path, String image) {
    /** A blank disk. */
    public Disk(String target, int sizeGiB, String format, String path) {
      this(target, sizeGiB, format, path, null);
    }
  }

  public DomainView {
    disks = List.copyOf(disks);
    interfaces = List.copyOf(interfaces);
  }
}
