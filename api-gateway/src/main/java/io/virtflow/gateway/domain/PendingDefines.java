package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Defines this gateway has taken on that the projections do not show yet. A pending define
 * <ul>
 *   <li>holds its name from the moment it is prepared (two concurrent defines of one name cannot both
 *       be accepted), and is addressable by name and id once Kafka acknowledged it, so that
 *       "define, then start at once" works;</li>
 *   <li>reserves its memory on its host until a heartbeat of that host newer than the define's success
 *       shows it in {@code memoryMiBUsed}, so that back-to-back placements do not all pick the same
 *       host;</li>
 *   <li>is forgotten when the define ends other than SUCCEEDED, when it succeeded, the heartbeat shows
 *       it and the domain projection has it, or once its deadline passed (an agent that reads it later
 *       ends it TIMED_OUT).</li>
 * </ul>
 */
public final class PendingDefines {

  /** One define in flight. */
  public record Pending(String commandId, String domainId, String name, String hostId, long memoryMiB,
      Instant deadline, boolean acknowledged, Instant succeededAt) {

    Pending acknowledge() {
      return new Pending(commandId, domainId, name, hostId, memoryMiB, deadline, true, succeededAt);
    }

    Pending succeeded(Instant at) {
      return new Pending(commandId, domainId, name, hostId, memoryMiB, deadline, acknowledged, at);
    }

    /** Whether a heartbeat of its host, sent at {@code heartbeatAt}, already counts its memory. */
    public boolean reflectedBy(Instant heartbeatAt) {
      return succeededAt != null && heartbeatAt != null && !heartbeatAt.isBefore(succeededAt);
    }
  }

  private final Map<String, Pending> byCommand = new LinkedHashMap<>();
  private final Map<String, String> commandByName = new HashMap<>();
  private final Map<String, String> commandByDomain = new HashMap<>();

  /** Holds the name and memory of a define about to be published. */
  public void reserve(String commandId, String domainId, String name, String hostId, long memoryMiB,
      Instant deadline) {
    if (commandByName.containsKey(name)) {
      throw new IllegalStateException("name " + name + " is already pending");
    }
    byCommand.put(commandId, new Pending(commandId, domainId, name, hostId, memoryMiB, deadline, false, null));
    commandByName.put(name, commandId);
    commandByDomain.put(domainId, commandId);
  }

  /** Kafka acknowledged the define: the domain becomes addressable. */
  public void acknowledged(String commandId) {
    byCommand.computeIfPresent(commandId, (k, p) -> p.acknowledge());
  }

  /** The define could not be published: forget it. */
  public void release(String commandId) {
    remove(commandId);
  }

  /** The define ended; anything but success forgets it. */
  public void ended(String commandId, boolean succeeded, Instant at) {
    if (!byCommand.containsKey(commandId)) {
      return;
    }
    if (succeeded) {
      byCommand.computeIfPresent(commandId, (k, p) -> p.succeeded(at));
    } else {
      remove(commandId);
    }
  }

  /** The domain is gone (its state was tombstoned). */
  public void domainRemoved(String domainId) {
    String commandId = commandByDomain.get(domainId);
    if (commandId != null) {
      remove(commandId);
    }
  }

  public boolean nameTaken(String name) {
    return commandByName.containsKey(name);
  }

  /** An acknowledged pending define by name. */
  public Optional<Pending> byName(String name) {
    return Optional.ofNullable(commandByName.get(name)).map(byCommand::get).filter(Pending::acknowledged);
  }

  /** An acknowledged pending define by domain id. */
  public Optional<Pending> byDomainId(String domainId) {
    return Optional.ofNullable(commandByDomain.get(domainId)).map(byCommand::get).filter(Pending::acknowledged);
  }

  public Collection<Pending> all() {
    return byCommand.values();
  }

  /** Memory reserved on a host by defines its heartbeat does not show yet. */
  public long reservedMiB(String hostId, Instant lastHeartbeatAt) {
    long sum = 0;
    for (Pending p : byCommand.values()) {
      if (p.hostId().equals(hostId) && !p.reflectedBy(lastHeartbeatAt)) {
        sum += p.memoryMiB();
      }
    }
    return sum;
  }

  /**
   * Forgets what is settled: succeeded, shown by a heartbeat and known to the projection; or past its
   * deadline.
   *
   * @param lastHeartbeatAt the newest heartbeat time of a host, or null if none
   * @param domainKnown whether the domain projection has a domain id
   */
  public void sweep(Instant now, Function<String, Instant> lastHeartbeatAt, Predicate<String> domainKnown) {
    Iterator<Pending> it = byCommand.values().iterator();
    while (it.hasNext()) {
      Pending p = it.next();
      boolean settled = p.reflectedBy(lastHeartbeatAt.apply(p.hostId())) && domainKnown.test(p.domainId());
      if (settled || (p.acknowledged() && now.isAfter(p.deadline()))) {
        it.remove();
        unindex(p);
      }
    }
  }

  public int size() {
    return byCommand.size();
  }

  private void remove(String commandId) {
    Pending p = byCommand.remove(commandId);
    if (p != null) {
      unindex(p);
    }
  }

  private void unindex(Pending p) {
    commandByName.remove(p.name(), p.commandId());
    commandByDomain.remove(p.domainId(), p.commandId());
  }
}
