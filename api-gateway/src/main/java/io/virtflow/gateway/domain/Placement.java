package io.virtflow.gateway.domain;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * Where a domain defined without a host goes: the UP host with the most free memory, free being
 * capacity minus what its last heartbeat says is used minus what this gateway has placed there since
 * (pending defines). Ties go to the smallest host id, so the choice is deterministic. Memory is not
 * refused here: overcommit is the host agent's call.
 */
public final class Placement {

  /** One host as placement sees it. */
  public record Candidate(String hostId, boolean up, long capacityMiB, long usedMiB, long reservedMiB) {
    public long freeMiB() {
      return capacityMiB - usedMiB - reservedMiB;
    }
  }

  private Placement() {
  }

  public static Optional<String> choose(Collection<Candidate> hosts) {
    return hosts.stream()
        .filter(Candidate::up)
        .min(Comparator.comparingLong(Candidate::freeMiB).reversed().thenComparing(Candidate::hostId))
        .map(Candidate::hostId);
  }
}
