package io.virtflow.agent.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A defined domain as its host knows it: identity, configuration, where it is in its lifecycle, and a
 * {@code version} that grows by one on every change (define makes version 1). Immutable.
 */
public record Domain(String id, String name, State state, Reason reason, int vcpus, long memoryMiB,
    List<Disk> disks, long version, String principal, Instant updatedAt) {

  /** The version of a domain that does not exist: before define, after undefine. */
  public static final long ABSENT = 0;

  public Domain {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(updatedAt, "updatedAt");
    disks = List.copyOf(disks);
    if (version <= ABSENT) {
      throw new IllegalArgumentException("version must be positive: " + version);
    }
  }

  /** A newly defined domain, version 1. */
  public static Domain defined(String id, DomainDefinition definition, List<Disk> placedDisks,
      Transition.Accepted defined, Instant at) {
    return new Domain(id, definition.name(), defined.state(), defined.reason(), definition.vcpus(),
        definition.memoryMiB(), placedDisks, 1, definition.principal(), at);
  }

  /** This domain after an accepted transition: new state, next version. */
  public Domain after(Transition.Accepted transition, Instant at) {
    return new Domain(id, name, transition.state(), transition.reason(), vcpus, memoryMiB, disks, version + 1,
        principal, at);
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
