package io.virtflow.agent.driver;

import java.util.Map;
import java.util.Objects;

/**
 * The driver's view of its hypervisor, for the heartbeat, {@code /v1/hosts} and health.
 *
 * @param connected whether calls can reach the hypervisor now
 * @param message why not, or what it is connected to
 * @param facts what the host reports about its hypervisor ({@code uri}, {@code domainType}, {@code
 *     foreignDomains}, ...): small strings, shown as they are
 * @param vcpus the hypervisor's CPUs, 0 when the agent's configuration says
 * @param memoryMiB the hypervisor's memory, 0 when the agent's configuration says
 */
public record DriverStatus(boolean connected, String message, Map<String, String> facts, int vcpus, long memoryMiB) {
  public DriverStatus {
    Objects.requireNonNull(message, "message");
    facts = Map.copyOf(facts);
  }

  public static DriverStatus up(String message) {
    return new DriverStatus(true, message, Map.of(), 0, 0);
  }
}
