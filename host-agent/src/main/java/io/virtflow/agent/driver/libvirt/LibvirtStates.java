package io.virtflow.agent.driver.libvirt;

import java.util.Optional;

import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;

/**
 * libvirt's numbers as the agent's words: {@code virDomainState} and its per-state reason enums, and the
 * lifecycle events the binding delivers. Pure.
 */
final class LibvirtStates {
  private LibvirtStates() {
  }

  static State state(int code) {
    return switch (code) {
      case 1 -> State.RUNNING;
      case 2 -> State.BLOCKED;
      case 3 -> State.PAUSED;
      case 4 -> State.SHUTDOWN;
      case 5 -> State.SHUTOFF;
      case 6 -> State.CRASHED;
      case 7 -> State.PMSUSPENDED;
      default -> State.NOSTATE;
    };
  }

  /** The reason of {@code state}, from libvirt's {@code virDomain<State>Reason} of that state. */
  static Reason reason(State state, int code) {
    return switch (state) {
      case RUNNING -> switch (code) {
        case 1 -> Reason.BOOTED;
        case 2 -> Reason.MIGRATED;
        case 3 -> Reason.RESTORED;
        case 4 -> Reason.FROM_SNAPSHOT;
        case 5 -> Reason.UNPAUSED;
        case 7 -> Reason.SAVE_CANCELED;
        case 8 -> Reason.WAKEUP;
        case 9 -> Reason.CRASHED;
        default -> Reason.UNKNOWN;
      };
      case PAUSED -> switch (code) {
        case 1 -> Reason.USER;
        case 2 -> Reason.MIGRATED;
        case 3 -> Reason.SAVED;
        case 5 -> Reason.IOERROR;
        case 6 -> Reason.WATCHDOG;
        case 7 -> Reason.FROM_SNAPSHOT;
        case 8 -> Reason.SHUTTING_DOWN;
        case 9 -> Reason.SNAPSHOT;
        case 10 -> Reason.CRASHED;
        case 14 -> Reason.API_ERROR;
        default -> Reason.UNKNOWN;
      };
      case SHUTDOWN -> code == 1 ? Reason.USER : Reason.UNKNOWN;
      case SHUTOFF -> switch (code) {
        case 1 -> Reason.SHUTDOWN;
        case 2 -> Reason.DESTROYED;
        case 3 -> Reason.CRASHED;
        case 4 -> Reason.MIGRATED;
        case 5 -> Reason.SAVED;
        case 6 -> Reason.FAILED;
        case 7 -> Reason.FROM_SNAPSHOT;
        default -> Reason.UNKNOWN;
      };
      case CRASHED -> code == 1 ? Reason.PANICKED : Reason.UNKNOWN;
      default -> Reason.UNKNOWN;
    };
  }

  /**
   * A lifecycle event as the binding names it ({@code DomainEventType} and its detail enum's constant
   * name) with the state and reason it leaves the domain in; empty for the events that say nothing of the
   * state by themselves (DEFINED, UNDEFINED, SHUTDOWN/FINISHED, ...): the domain is read again anyway.
   */
  static Optional<Event> event(String type, String detail) {
    return switch (type + "/" + detail) {
      case "STARTED/BOOTED" -> event(Event.Type.STARTED, Event.Detail.BOOTED, State.RUNNING, Reason.BOOTED);
      case "STARTED/RESTORED" -> event(Event.Type.STARTED, Event.Detail.RESTORED, State.RUNNING, Reason.RESTORED);
      case "STARTED/FROM_SNAPSHOT" -> event(Event.Type.STARTED, Event.Detail.FROM_SNAPSHOT, State.RUNNING,
          Reason.FROM_SNAPSHOT);
      case "STARTED/WAKEUP" -> event(Event.Type.STARTED, Event.Detail.WAKEUP, State.RUNNING, Reason.WAKEUP);
      case "SUSPENDED/PAUSED" -> event(Event.Type.SUSPENDED, Event.Detail.PAUSED, State.PAUSED, Reason.USER);
      case "SUSPENDED/IOERROR" -> event(Event.Type.SUSPENDED, Event.Detail.IOERROR, State.PAUSED, Reason.IOERROR);
      case "SUSPENDED/WATCHDOG" -> event(Event.Type.SUSPENDED, Event.Detail.WATCHDOG, State.PAUSED, Reason.WATCHDOG);
      case "SUSPENDED/API_ERROR" -> event(Event.Type.SUSPENDED, Event.Detail.API_ERROR, State.PAUSED,
          Reason.API_ERROR);
      case "RESUMED/UNPAUSED" -> event(Event.Type.RESUMED, Event.Detail.UNPAUSED, State.RUNNING, Reason.UNPAUSED);
      case "STOPPED/SHUTDOWN" -> event(Event.Type.STOPPED, Event.Detail.SHUTDOWN, State.SHUTOFF, Reason.SHUTDOWN);
      case "STOPPED/DESTROYED" -> event(Event.Type.STOPPED, Event.Detail.DESTROYED, State.SHUTOFF, Reason.DESTROYED);
      case "STOPPED/CRASHED" -> event(Event.Type.STOPPED, Event.Detail.CRASHED, State.SHUTOFF, Reason.CRASHED);
      case "STOPPED/FAILED" -> event(Event.Type.STOPPED, Event.Detail.FAILED, State.SHUTOFF, Reason.FAILED);
      case "STOPPED/SAVED" -> event(Event.Type.STOPPED, Event.Detail.SAVED, State.SHUTOFF, Reason.SAVED);
      case "CRASHED/PANICKED" -> event(Event.Type.CRASHED, Event.Detail.PANICKED, State.CRASHED, Reason.PANICKED);
      default -> Optional.empty();
    };
  }

  private static Optional<Event> event(Event.Type type, Event.Detail detail, State state, Reason reason) {
    return Optional.of(new Event(type, detail, state, reason));
  }
}
