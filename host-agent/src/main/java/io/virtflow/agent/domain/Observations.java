package io.virtflow.agent.domain;

import java.util.List;
import java.util.Optional;

/**
 * What a change nobody asked for looks like on the event stream: from the domain as the agent last
 * published it and the domain as the driver observes it now, the lifecycle events to publish. Level
 * triggered: the hypervisor's own event (the hint) is used when it agrees with the state observed now,
 * otherwise the event is derived from the two states (a resync after the agent was down has no hint).
 */
public final class Observations {
  private Observations() {
  }

  /**
   * The events that take a domain from {@code known} to {@code now}; empty when nothing a subscriber
   * sees has changed.
   *
   * @param known as last published; empty when the agent did not know the domain
   * @param now as observed; empty when the domain is gone
   * @param hint the hypervisor's event, when it reported one
   */
  public static List<Event> between(Optional<Domain> known, Optional<Domain> now, Optional<Event> hint) {
    if (known.isEmpty() && now.isEmpty()) {
      return List.of();
    }
    if (now.isEmpty()) {
      Domain k = known.get();
      return List.of(new Event(Event.Type.UNDEFINED, Event.Detail.REMOVED, k.state(), k.reason()));
    }
    Domain n = now.get();
    if (known.isEmpty()) {
      Event added = new Event(Event.Type.DEFINED, Event.Detail.ADDED, State.SHUTOFF, Reason.UNKNOWN);
      return n.state() == State.SHUTOFF ? List.of(added) : List.of(added, derived(State.SHUTOFF, n.state(), n.reason()));
    }
    Domain k = known.get();
    if (k.state() == n.state() && k.reason() == n.reason()) {
      return List.of();
    }
    if (hint.isPresent() && hint.get().state() == n.state() && hint.get().reason() == n.reason()) {
      return List.of(hint.get());
    }
    return List.of(derived(k.state(), n.state(), n.reason()));
  }

  /**
   * Whether {@code now} is a state on the way to another that libvirt reports as soon as it is there: a
   * guest being shut down ({@code SHUTDOWN}) ends shut off, with its own event. Such a state is not
   * published, so that the stream says what a guest did, whenever the domain happened to be read.
   */
  public static boolean passing(Optional<Domain> now) {
    return now.isPresent() && now.get().state() == State.SHUTDOWN;
  }

  /** libvirt's event for a move into {@code to} for {@code reason}. */
  static Event derived(State from, State to, Reason reason) {
    return switch (to) {
      case SHUTOFF -> new Event(Event.Type.STOPPED, stoppedDetail(reason), to, reason);
      case CRASHED -> new Event(Event.Type.CRASHED, reason == Reason.PANICKED ? Event.Detail.PANICKED
          : Event.Detail.UNKNOWN, to, reason);
      case PAUSED -> new Event(Event.Type.SUSPENDED, pausedDetail(reason), to, reason);
      case PMSUSPENDED -> new Event(Event.Type.PMSUSPENDED, Event.Detail.UNKNOWN, to, reason);
      case SHUTDOWN -> new Event(Event.Type.SHUTDOWN, Event.Detail.FINISHED, to, reason);
      case RUNNING, BLOCKED -> from.isActive() && from != State.CRASHED
          ? new Event(Event.Type.RESUMED, reason == Reason.FROM_SNAPSHOT ? Event.Detail.FROM_SNAPSHOT
              : Event.Detail.UNPAUSED, to, reason)
          : new Event(Event.Type.STARTED, startedDetail(reason), to, reason);
      case NOSTATE -> new Event(Event.Type.UNKNOWN, Event.Detail.UNKNOWN, to, reason);
    };
  }

  private static Event.Detail stoppedDetail(Reason reason) {
    return switch (reason) {
      case SHUTDOWN -> Event.Detail.SHUTDOWN;
      case DESTROYED -> Event.Detail.DESTROYED;
      case CRASHED -> Event.Detail.CRASHED;
      case SAVED -> Event.Detail.SAVED;
      case FAILED -> Event.Detail.FAILED;
      case FROM_SNAPSHOT -> Event.Detail.FROM_SNAPSHOT;
      case MIGRATED -> Event.Detail.MIGRATED;
      default -> Event.Detail.UNKNOWN;
    };
  }

  private static Event.Detail pausedDetail(Reason reason) {
    return switch (reason) {
      case IOERROR -> Event.Detail.IOERROR;
      case WATCHDOG -> Event.Detail.WATCHDOG;
      case API_ERROR -> Event.Detail.API_ERROR;
      case FROM_SNAPSHOT, SNAPSHOT -> Event.Detail.FROM_SNAPSHOT;
      case MIGRATED -> Event.Detail.MIGRATED;
      default -> Event.Detail.PAUSED;
    };
  }

  private static Event.Detail startedDetail(Reason reason) {
    return switch (reason) {
      case MIGRATED -> Event.Detail.MIGRATED;
      case RESTORED -> Event.Detail.RESTORED;
      case FROM_SNAPSHOT -> Event.Detail.FROM_SNAPSHOT;
      case WAKEUP -> Event.Detail.WAKEUP;
      default -> Event.Detail.BOOTED;
    };
  }
}
