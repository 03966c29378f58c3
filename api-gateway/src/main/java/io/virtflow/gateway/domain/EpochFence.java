package io.virtflow.gateway.domain;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drops what a replaced host-agent instance still published. Every agent record carries the epoch of
 * the instance that wrote it; a restarted or second instance of a host takes a higher epoch, and from the
 * first record of it on, a record of that host with a lower epoch is stale and must not change a view.
 * Records without an epoch (older agents, the gateway's own ACCEPTED statuses, the snapshot service) and
 * records without a host are always admitted. Thread-safe.
 */
public final class EpochFence {
  private final Map<String, Long> newest = new ConcurrentHashMap<>();

  /**
   * Whether a record of {@code hostId} written by the instance with {@code epoch} may be applied; an
   * admitted epoch above the newest seen becomes the newest.
   */
  public boolean admit(String hostId, Long epoch) {
    if (hostId == null || epoch == null) {
      return true;
    }
    long now = newest.merge(hostId, epoch, Math::max);
    return epoch >= now;
  }

  /** The newest epoch seen for the host, or 0. */
  public long newest(String hostId) {
    return newest.getOrDefault(hostId, 0L);
  }
}
