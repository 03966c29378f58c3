package io.virtflow.gateway.domain;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where a domain defined without a host goes: among the UP hosts that have every image the definition
 * names (in their last heartbeat's {@code images}), the one with the most free memory, free being
 * capacity minus what its last heartbeat says is used minus what this gateway has placed there since
 * (pending defines). Ties go to the smallest host id, so the choice is deterministic. Memory is not
 * refused here: overcommit is the host agent's call.
 */
public final class Placement {

  /** One host as placement sees it. */
  public record Candidate(String hostId, boolean up, long capacityMiB, long usedMiB, long reservedMiB,
      Set<String> images) {
    public Candidate {
      images = Set.copyOf(images);
    }

    /** A host with no images. */
    public Candidate(String hostId, boolean up, long capacityMiB, long usedMiB, long reservedMiB) {
      this(hostId, up, capacityMiB, usedMiB, reservedMiB, Set.of());
    }

    public long freeMiB() {
      return capacityMiB - usedMiB - reservedMiB;
    }

    /** The images of {@code needed} this host does not have, in the order given. */
    public List<String> lacking(Collection<String> needed) {
      return needed.stream().filter(i -> !images.contains(i)).distinct().toList();
    }
  }

  private Placement() {
  }

  /** The host for a definition that names no image. */
  public static Optional<String> choose(Collection<Candidate> hosts) {
    return choose(hosts, List.of());
  }

  /** The host for a definition that names {@code images}: empty when no UP host has them all. */
  public static Optional<String> choose(Collection<Candidate> hosts, Collection<String> images) {
    return hosts.stream()
        .filter(Candidate::up)
        .filter(h -> h.lacking(images).isEmpty())
        .min(Comparator.comparingLong(Candidate::freeMiB).reversed().thenComparing(Candidate::hostId))
        .map(Candidate::hostId);
  }
}
