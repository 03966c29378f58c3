package io.virtflow.agent.domain;

import java.util.List;
import java.util.Objects;

/**
 * The rules of the snapshot workflow's steps that act on the domain rather than on its files:
 * {@code STOP_DOMAIN}, {@code START_DOMAIN} (libvirt's {@code FROM_SNAPSHOT} reasons and event details), and
 * the guest agent's {@code FREEZE}/{@code THAW}. Each is idempotent: a domain already where the step would
 * take it is {@link Done}. Pure.
 *
 * <pre>
 * step                 from                 to                        events
 * STOP_DOMAIN          SHUTOFF              (done)
 * STOP_DOMAIN          any other            SHUTOFF/FROM_SNAPSHOT     STOPPED/FROM_SNAPSHOT
 * START_DOMAIN         RUNNING              (done)
 * START_DOMAIN         SHUTOFF CRASHED      RUNNING/FROM_SNAPSHOT     STARTED/FROM_SNAPSHOT
 * START_DOMAIN(paused) PAUSED               (done)
 * START_DOMAIN(paused) SHUTOFF CRASHED      PAUSED/FROM_SNAPSHOT      STARTED/FROM_SNAPSHOT, SUSPENDED/FROM_SNAPSHOT
 * START_DOMAIN(...)    any other            OPERATION_INVALID
 * FREEZE               frozen               (done)
 * FREEZE               RUNNING, guest agent frozen
 * THAW                 not frozen           (done)
 * THAW                 RUNNING, frozen      thawed
 * </pre>
 * FREEZE or THAW of a domain that is not running is {@code OPERATION_INVALID}; FREEZE of a domain without
 * a guest agent is {@code OPERATION_UNSUPPORTED}.
 */
public final class DomainSteps {

  /** What a domain step does. */
  public sealed interface Answer {
  }

  /** The domain is already where the step would take it: nothing changes. */
  public record Done(String message) implements Answer {
  }

  /** The domain moves to another state, with these events. */
  public record Move(Transition.Accepted transition, String message) implements Answer {
  }

  /** The guest's filesystems are frozen or thawed. */
  public record Freeze(boolean frozen, String message) implements Answer {
  }

  public record Refused(Fault fault, String message) implements Answer {
  }

  private DomainSteps() {
  }

  /** The answer for a STOP_DOMAIN, START_DOMAIN, FREEZE or THAW step on {@code d}. */
  public static Answer answer(Domain d, DiskStep step) {
    Objects.requireNonNull(d, "d");
    return switch (step.kind()) {
      case STOP_DOMAIN -> stop(d.name(), d.state(), d.reason());
      case START_DOMAIN -> start(d.name(), d.state(), d.reason(), step.paused());
      case FREEZE -> freeze(d);
      case THAW -> thaw(d);
      default -> throw new IllegalArgumentException(step.kind() + " is not a domain step");
    };
  }

  /**
   * The events a domain step emitted if it took effect from {@code stateBefore}: what a restarted agent
   * records for a step that was cut off after its effect.
   */
  public static List<Event> impliedEvents(DiskStep step, String domainName, State stateBefore, Reason reasonBefore) {
    boolean power = step.kind() == DiskStep.Kind.STOP_DOMAIN || step.kind() == DiskStep.Kind.START_DOMAIN;
    if (stateBefore == null || !power) {
      return List.of();
    }
    Answer answer = step.kind() == DiskStep.Kind.STOP_DOMAIN
        ? stop(domainName, stateBefore, reasonBefore == null ? Reason.UNKNOWN : reasonBefore)
        : start(domainName, stateBefore, reasonBefore == null ? Reason.UNKNOWN : reasonBefore, step.paused());
    return answer instanceof Move m ? m.transition().events() : List.of();
  }

  private static Answer stop(String name, State state, Reason reason) {
    if (state == State.SHUTOFF) {
      return new Done("domain '" + name + "' is already shut off");
    }
    if (state == State.NOSTATE) {
      return refused(name, state, "stop");
    }
    Event stopped = new Event(Event.Type.STOPPED, Event.Detail.FROM_SNAPSHOT, State.SHUTOFF, Reason.FROM_SNAPSHOT);
    return new Move(new Transition.Accepted(State.SHUTOFF, Reason.FROM_SNAPSHOT, false, List.of(stopped)),
        "domain '" + name + "' stopped for a snapshot revert");
  }

  private static Answer start(String name, State state, Reason reason, boolean paused) {
    State wanted = paused ? State.PAUSED : State.RUNNING;
    if (state == wanted) {
      return new Done("domain '" + name + "' is already " + state.description());
    }
    if (state != State.SHUTOFF && state != State.CRASHED) {
      return refused(name, state, paused ? "start (paused)" : "start");
    }
    Event started = new Event(Event.Type.STARTED, Event.Detail.FROM_SNAPSHOT, State.RUNNING, Reason.FROM_SNAPSHOT);
    if (!paused) {
      return new Move(new Transition.Accepted(State.RUNNING, Reason.FROM_SNAPSHOT, false, List.of(started)),
          "domain '" + name + "' started from a snapshot");
    }
    Event suspended = new Event(Event.Type.SUSPENDED, Event.Detail.FROM_SNAPSHOT, State.PAUSED, Reason.FROM_SNAPSHOT);
    return new Move(new Transition.Accepted(State.PAUSED, Reason.FROM_SNAPSHOT, false, List.of(started, suspended)),
        "domain '" + name + "' started paused from a snapshot");
  }

  private static Answer freeze(Domain d) {
    if (d.frozen()) {
      return new Done("the filesystems of domain '" + d.name() + "' are already frozen");
    }
    if (d.state() != State.RUNNING) {
      return new Refused(Fault.OPERATION_INVALID, "cannot freeze the filesystems of domain '" + d.name()
          + "': it is " + d.state().description());
    }
    if (!d.guestAgent()) {
      return new Refused(Fault.OPERATION_UNSUPPORTED, "cannot freeze the filesystems of domain '" + d.name()
          + "': it has no guest agent");
    }
    return new Freeze(true, "froze the filesystems of domain '" + d.name() + "'");
  }

  private static Answer thaw(Domain d) {
    if (!d.frozen()) {
      return new Done("the filesystems of domain '" + d.name() + "' are not frozen");
    }
    if (d.state() != State.RUNNING) {
      return new Refused(Fault.OPERATION_INVALID, "cannot thaw the filesystems of domain '" + d.name()
          + "': it is " + d.state().description());
    }
    return new Freeze(false, "thawed the filesystems of domain '" + d.name() + "'");
  }

  private static Refused refused(String name, State state, String verb) {
    return new Refused(Fault.OPERATION_INVALID, "cannot " + verb + " domain '" + name + "' from a snapshot: it is "
        + state.description());
  }
}
