package io.virtflow.gateway.domain;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drops what a replaced host-agent instance published after it was replaced. Every agent record carries
 * the epoch of the instance that wrote it; a restarted or second instance of a host takes a higher epoch.
 * A record of a host with a lower epoch than the newest seen is stale if it was written at or after the
 * newest instance started (its {@code HostStatus.startedAt}, or else the first record seen from it):
 * older records are history, written before any newer instance existed, and replaying a topic from the
 * beginning must keep them. Records without an epoch (older agents, the gateway's own ACCEPTED statuses,
 * the snapshot service) or without a host are always admitted. Times are epoch milliseconds (a record's
 * Kafka timestamp, set by its writer). Thread-safe.
 */
public final class EpochFence {
  /** The newest instance of a host seen so far, and since when it runs. */
  private record Newest(long epoch, long since) {
  }

  private final Map<String, Newest> newest = new ConcurrentHashMap<>();

  /** A heartbeat: instance {@code epoch} of the host started at {@code startedAt}. */
  public void started(String hostId, long epoch, long startedAt) {
    if (hostId != null) {
      newest.merge(hostId, new Newest(epoch, startedAt), EpochFence::newer);
    }
  }

  /** Whether a record of {@code hostId} written at {@code at} by instance {@code epoch} may be applied. */
  public boolean admit(String hostId, Long epoch, long at) {
    if (hostId == null || epoch == null) {
      return true;
    }
    Newest now = newest.merge(hostId, new Newest(epoch, at), EpochFence::newer);
    return epoch >= now.epoch() || at < now.since();
  }

  /** The newest epoch seen for the host, or 0. */
  public long newest(String hostId) {
    Newest n = newest.get(hostId);
    return n == null ? 0 : n.epoch();
  }

  private static Newest newer(Newest known, Newest seen) {
    if (seen.epoch() > known.epoch()) {
      return seen;
    }
    if (seen.epoch() == known.epoch() && seen.since() < known.since()) {
      return seen;
    }
    return known;
  }
}
