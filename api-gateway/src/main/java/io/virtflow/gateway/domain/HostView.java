package io.virtflow.gateway.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A host agent's latest heartbeat, and when this gateway received it.
 *
 * @param reportedUp what the agent said of itself (DOWN once, on a clean stop)
 * @param receivedAt when the gateway read the heartbeat
 * @param driverBreaker the agent's circuit breaker around its hypervisor driver (CLOSED, OPEN, HALF_OPEN)
 * @param loopLagMs how late the agent's work loop ran its last heartbeat
 * @param driverConnected whether the agent reaches its hypervisor now; a host that does not is still UP and
 *     still gets its commands (its agent answers them DRIVER_ERROR at once)
 * @param driverMessage what the driver is connected to, or why it is not; null when the agent says nothing
 * @param driverFacts the driver's facts ({@code uri}, {@code domainType}, {@code foreignDomains}, {@code imageDir})
 * @param images the files of the host's image directory a definition may name
 */
public record HostView(String hostId, boolean reportedUp, long agentEpoch, String driver, Instant heartbeatAt,
    Instant startedAt, Instant receivedAt, int vcpus, long memoryMiB, long memoryMiBUsed, int domainCount,
    int queuedCommands, String driverBreaker, long loopLagMs, boolean driverConnected, String driverMessage,
    Map<String, String> driverFacts, List<String> images) {

  public HostView {
    driverFacts = Collections.unmodifiableSortedMap(new TreeMap<>(driverFacts));
    images = List.copyOf(images);
  }

  /**
   * A heartbeat from an agent that reports no breaker state (CLOSED), no loop lag, a connected driver
   * without facts, and no images.
   */
  public HostView(String hostId, boolean reportedUp, long agentEpoch, String driver, Instant heartbeatAt,
      Instant startedAt, Instant receivedAt, int vcpus, long memoryMiB, long memoryMiBUsed, int domainCount,
      int queuedCommands) {
    this(hostId, reportedUp, agentEpoch, driver, heartbeatAt, startedAt, receivedAt, vcpus, memoryMiB, memoryMiBUsed,
        domainCount, queuedCommands, "CLOSED", 0, true, null, Map.of(), List.of());
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
