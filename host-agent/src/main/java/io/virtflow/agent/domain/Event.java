package io.virtflow.agent.domain;

import java.util.Objects;

/**
 * One libvirt lifecycle event ({@code type}/{@code detail}, e.g. {@code STARTED/BOOTED}) and the state it
 * left the domain in. A transition that passes through an intermediate state (start paused: running,
 * then paused) emits one event per step, each with the state of that step.
 */
public record Event(Type type, Detail detail, State state, Reason reason) {

  /** libvirt's {@code virDomainEventType}, plus REBOOTED for libvirt's separate reboot event. */
  public enum Type {
    DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, SHUTDOWN, PMSUSPENDED, CRASHED, REBOOTED, UNKNOWN
  }

  /** The union of libvirt's per-type details; the names are the contract's {@code EventDetail} symbols. */
  public enum Detail {
    ADDED, UPDATED, RENAMED, REMOVED, BOOTED, MIGRATED, RESTORED, FROM_SNAPSHOT, WAKEUP, PAUSED, IOERROR,
    WATCHDOG, API_ERROR, UNPAUSED, SHUTDOWN, DESTROYED, CRASHED, SAVED, FAILED, FINISHED, GUEST, HOST,
    PANICKED, NONE, UNKNOWN
  }

  public Event {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return type + "/" + detail + " -> " + state + "/" + reason;
  }
}
