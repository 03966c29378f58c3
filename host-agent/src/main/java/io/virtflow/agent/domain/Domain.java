package io.virtflow.agent.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A defined domain as its host knows it: identity, configuration, where it is in its lifecycle, and a
 * {@code version} that grows by one on every change (define makes version 1). Immutable.
 *
 * @param guestAgent whether the guest runs an agent that can freeze its filesystems (part of the definition)
 * @param frozen whether the guest agent froze the filesystems; only ever true while the domain is active
 * @param project the project (tenant) of whoever defined it; null for domains defined before projects existed
 * @param boot direct kernel boot, or null
 * @param interfaces network interfaces with the MACs the host chose
 * @param agentConnected whether the guest agent's channel is connected now; null when unknown or no agent
 */
public record Domain(String id, String name, State state, Reason reason, int vcpus, long memoryMiB,
    List<Disk> disks, boolean guestAgent, boolean frozen, long version, String principal, Instant updatedAt,
    String project, Boot boot, List<NetInterface> interfaces, Boolean agentConnected) {

  /** The version of a domain that does not exist: before define, after undefine. */
  public static final long ABSENT = 0;

  public Domain {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(updatedAt, "updatedAt");
    disks = List.copyOf(disks);
    interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    if (version <= ABSENT) {
      throw new IllegalArgumentException("version must be positive: " + version);
    }
    if (frozen && !state.isActive()) {
      throw new IllegalArgumentException("a " + state.description() + " domain cannot have frozen filesystems");
    }
  }

  /** A domain without boot section, interfaces or agent state. */
  public Domain(String id, String name, State state, Reason reason, int vcpus, long memoryMiB, List<Disk> disks,
      boolean guestAgent, boolean frozen, long version, String principal, Instant updatedAt, String project) {
    this(id, name, state, reason, vcpus, memoryMiB, disks, guestAgent, frozen, version, principal, updatedAt, project,
        null, List.of(), null);
  }

  /** A domain without a project (defined before projects existed). */
  public Domain(String id, String name, State state, Reason reason, int vcpus, long memoryMiB, List<Disk> disks,
      boolean guestAgent, boolean frozen, long version, String principal, Instant updatedAt) {
    this(id, name, state, reason, vcpus, memoryMiB, disks, guestAgent, frozen, version, principal, updatedAt, null);
  }

  /** A newly defined domain, version 1. */
  public static Domain defined(String id, DomainDefinition definition, List<Disk> placedDisks,
      Transition.Accepted defined, Instant at) {
    return new Domain(id, definition.name(), defined.state(), defined.reason(), definition.vcpus(),
        definition.memoryMiB(), placedDisks, definition.guestAgent(), false, 1, definition.principal(), at,
        definition.project(), definition.boot(), NetInterface.withMacs(id, definition.interfaces()), null);
  }

  /** This domain after an accepted transition: new state, next version; a guest that stops is no longer frozen. */
  public Domain after(Transition.Accepted transition, Instant at) {
    boolean stillFrozen = frozen && transition.state().isActive() && transition.state() != State.CRASHED;
    return new Domain(id, name, transition.state(), transition.reason(), vcpus, memoryMiB, disks, guestAgent,
        stillFrozen, version + 1, principal, at, project, boot, interfaces, agentConnected);
  }

  /** This domain with disk {@code target} on another image file, next version. */
  public Domain withDiskAt(String target, String path, Instant at) {
    List<Disk> moved = new ArrayList<>(disks.size());
    boolean found = false;
    for (Disk d : disks) {
      if (d.target().equals(target)) {
        moved.add(d.placedAt(path));
        found = true;
      } else {
        moved.add(d);
      }
    }
    if (!found) {
      throw new IllegalArgumentException("domain '" + name + "' has no disk " + target);
    }
    return new Domain(id, name, state, reason, vcpus, memoryMiB, moved, guestAgent, frozen, version + 1, principal,
        at, project, boot, interfaces, agentConnected);
  }

  /** This domain with its guest's filesystems frozen or thawed, next version. */
  public Domain withFrozen(boolean nowFrozen, Instant at) {
    return new Domain(id, name, state, reason, vcpus, memoryMiB, disks, guestAgent, nowFrozen, version + 1,
        principal, at, project, boot, interfaces, agentConnected);
  }

  /** This domain in a state its guest or hypervisor moved it to on its own, next version. */
  public Domain movedTo(State newState, Reason newReason, Instant at) {
    boolean stillFrozen = frozen && newState.isActive() && newState != State.CRASHED;
    return new Domain(id, name, newState, newReason, vcpus, memoryMiB, disks, guestAgent, stillFrozen, version + 1,
        principal, at, project);
  }

  public Optional<Disk> disk(String target) {
    return disks.stream().filter(d -> d.target().equals(target)).findFirst();
  }

  /** Domain ids are canonical UUIDs: they name files on the host, so nothing else is accepted. */
  public static boolean isValidId(String id) {
    if (id == null || id.length() != 36) {
      return false;
    }
    try {
      return UUID.fromString(id).toString().equals(id.toLowerCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
