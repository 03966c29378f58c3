package io.virtflow.gateway.domain;

import java.time.Duration;
import java.time.Instant;

/**
 * A host agent's latest heartbeat, and when this gateway received it.
 *
 * @param reportedUp what the agent said of itself (DOWN once, on a clean stop)
 * @param receivedAt when the gateway read the heartbeat
 * @param driverBreaker the agent's circuit breaker around its hypervisor driver (CLOSED, OPEN, HALF_OPEN)
 * @param loopLagMs how late the agent's work loop ran its last heartbeat
 */
public record HostView(String hostId, boolean reportedUp, long agentEpoch, String driver, Instant heartbeatAt,
    Instant startedAt, Instant receivedAt, int vcpus, long memoryMiB, long memoryMiBUsed, int domainCount,
    int queuedCommands, String driverBreaker, long loopLagMs) {

  /** A heartbeat from an agent that reports no breaker state (CLOSED) and no loop lag. */
  public HostView(String hostId, boolean reportedUp, long agentEpoch, String driver, Instant heartbeatAt,
      Instant startedAt, Instant receivedAt, int vcpus, long memoryMiB, long memoryMiBUsed, int domainCount,
      int queuedCommands) {
    this(hostId, reportedUp, agentEpoch, driver, heartbeatAt, startedAt, receivedAt, vcpus, memoryMiB, memoryMiBUsed,
        domainCount, queuedCommands, "CLOSED", 0);
  }

  /**
   * When the host was last known alive: the earlier of the agent's own heartbeat time and the time it was
   * read. The agent's clock alone would keep a host with a fast clock UP too long; the receive time alone
   * would call every host UP for a while after the gateway restarts and re-reads old heartbeats.
   */
  public Instant lastSeen() {
    return heartbeatAt.isBefore(receivedAt) ? heartbeatAt : receivedAt;
  }

  /** UP while the agent says so and its last heartbeat is at most {@code downAfter} old. */
  public boolean up(Instant now, Duration downAfter) {
    return reportedUp && !now.isAfter(lastSeen().plus(downAfter));
  }

  public long freeMiB() {
    return memoryMiB - memoryMiBUsed;
  }
}
