package io.virtflow.agent.domain;

import static io.virtflow.agent.domain.State.BLOCKED;
import static io.virtflow.agent.domain.State.CRASHED;
import static io.virtflow.agent.domain.State.PAUSED;
import static io.virtflow.agent.domain.State.PMSUSPENDED;
import static io.virtflow.agent.domain.State.RUNNING;
import static io.virtflow.agent.domain.State.SHUTDOWN;
import static io.virtflow.agent.domain.State.SHUTOFF;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * libvirt's domain lifecycle as one explicit table: for each move (an operation, with its flag where the
 * flag changes the outcome) the states it is legal in and the steps it takes from each. Anything not in
 * the table is refused with {@link Fault#OPERATION_INVALID} naming the operation and the current state,
 * and changes nothing. See {@code package-info.java} for the table in prose.
 */
public final class Lifecycle {

  /** A row key of the table: an operation, split where a flag changes what happens. */
  private enum Move {
    START, START_PAUSED, SHUTDOWN, REBOOT, DESTROY, SUSPEND, RESUME, UNDEFINE, UNDEFINE_FORCED
  }

  /** One step of a transition: the event it emits and the state it leads to (null: the state stays). */
  private record Step(Event.Type type, Event.Detail detail, State state, Reason reason) {
  }

  private static final Step BOOT = new Step(Event.Type.STARTED, Event.Detail.BOOTED, RUNNING, Reason.BOOTED);
  private static final Step PAUSE = new Step(Event.Type.SUSPENDED, Event.Detail.PAUSED, PAUSED, Reason.USER);
  private static final Step UNPAUSE = new Step(Event.Type.RESUMED, Event.Detail.UNPAUSED, RUNNING, Reason.UNPAUSED);
  private static final Step REBOOTED = new Step(Event.Type.REBOOTED, Event.Detail.NONE, RUNNING, Reason.BOOTED);
  private static final Step SHUT_DOWN = new Step(Event.Type.STOPPED, Event.Detail.SHUTDOWN, SHUTOFF, Reason.SHUTDOWN);
  private static final Step DESTROYED = new Step(Event.Type.STOPPED, Event.Detail.DESTROYED, SHUTOFF, Reason.DESTROYED);
  private static final Step REMOVED = new Step(Event.Type.UNDEFINED, Event.Detail.REMOVED, null, null);
  private static final Step ADDED = new Step(Event.Type.DEFINED, Event.Detail.ADDED, SHUTOFF, Reason.UNKNOWN);

  private static final Map<Move, Map<State, List<Step>>> TABLE = new EnumMap<>(Move.class);

  static {
    //   move                  legal in                                                   steps, in order
    row(Move.START,           EnumSet.of(SHUTOFF, CRASHED),                              BOOT);
    row(Move.START_PAUSED,    EnumSet.of(SHUTOFF, CRASHED),                              BOOT, PAUSE);
    row(Move.SHUTDOWN,        EnumSet.of(RUNNING, PAUSED, BLOCKED, PMSUSPENDED),         SHUT_DOWN);
    row(Move.REBOOT,          EnumSet.of(RUNNING, BLOCKED),                              REBOOTED);
    row(Move.REBOOT,          EnumSet.of(PAUSED),                                        UNPAUSE, REBOOTED);
    row(Move.DESTROY,         EnumSet.of(RUNNING, PAUSED, BLOCKED, SHUTDOWN, PMSUSPENDED, CRASHED), DESTROYED);
    row(Move.SUSPEND,         EnumSet.of(RUNNING, BLOCKED),                              PAUSE);
    row(Move.RESUME,          EnumSet.of(PAUSED),                                        UNPAUSE);
    row(Move.UNDEFINE,        EnumSet.of(SHUTOFF, CRASHED),                              REMOVED);
    row(Move.UNDEFINE_FORCED, EnumSet.of(SHUTOFF, CRASHED),                              REMOVED);
    row(Move.UNDEFINE_FORCED, EnumSet.of(RUNNING, PAUSED, BLOCKED, SHUTDOWN, PMSUSPENDED), DESTROYED, REMOVED);
  }

  private Lifecycle() {
  }

  /**
   * The answer for {@code request} on an existing domain now in {@code state}/{@code reason}.
   * Define of an existing domain is refused: a domain is defined once.
   */
  public static Transition apply(String domainName, State state, Reason reason, Request request) {
    Objects.requireNonNull(domainName, "domainName");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
    if (request.operation() == Operation.DEFINE) {
      return new Transition.Rejected(Fault.OPERATION_INVALID, "domain '" + domainName + "' already exists",
          Optional.of(state));
    }
    Move move = moveOf(request);
    List<Step> steps = TABLE.get(move).get(state);
    if (steps == null) {
      return new Transition.Rejected(Fault.OPERATION_INVALID, refusal(domainName, state, request), Optional.of(state));
    }
    return walk(state, reason, steps, move == Move.UNDEFINE || move == Move.UNDEFINE_FORCED);
  }

  /**
   * The answer for {@code request} on a domain that does not exist: define creates it shut off,
   * everything else is refused with {@link Fault#NO_DOMAIN}.
   *
   * @param domainRef the name being defined, or the id the caller asked for
   */
  public static Transition applyToAbsent(String domainRef, Request request) {
    Objects.requireNonNull(domainRef, "domainRef");
    if (request.operation() != Operation.DEFINE) {
      return new Transition.Rejected(Fault.NO_DOMAIN,
          "cannot " + request.operation().verb() + " domain '" + domainRef + "': no such domain on this host",
          Optional.empty());
    }
    return walk(State.NOSTATE, Reason.UNKNOWN, List.of(ADDED), false);
  }

  /** The states in which {@code request} is legal, for documentation and callers that pre-check. */
  public static Set<State> legalIn(Request request) {
    if (request.operation() == Operation.DEFINE) {
      return Set.of();
    }
    return Collections.unmodifiableSet(TABLE.get(moveOf(request)).keySet());
  }

  private static Transition walk(State state, Reason reason, List<Step> steps, boolean removes) {
    List<Event> events = new ArrayList<>(steps.size());
    State now = state;
    Reason why = reason;
    for (Step step : steps) {
      if (step.state() != null) {
        now = step.state();
        why = step.reason();
      }
      events.add(new Event(step.type(), step.detail(), now, why));
    }
    return new Transition.Accepted(now, why, removes, events);
  }

  private static String refusal(String domainName, State state, Request request) {
    String message = "cannot " + request.operation().verb() + " domain '" + domainName + "': it is "
        + state.description();
    if (request.operation() == Operation.UNDEFINE && state.isActive() && !request.force()) {
      message += "; destroy it first or undefine it with force";
    }
    return message;
  }

  private static Move moveOf(Request request) {
    return switch (request.operation()) {
      case START -> request.paused() ? Move.START_PAUSED : Move.START;
      case SHUTDOWN -> Move.SHUTDOWN;
      case REBOOT -> Move.REBOOT;
      case DESTROY -> Move.DESTROY;
      case SUSPEND -> Move.SUSPEND;
      case RESUME -> Move.RESUME;
      case UNDEFINE -> request.force() ? Move.UNDEFINE_FORCED : Move.UNDEFINE;
      case DEFINE -> throw new IllegalArgumentException("define has no row: it applies to an absent domain");
    };
  }

  private static void row(Move move, Set<State> from, Step... steps) {
    Map<State, List<Step>> rows = TABLE.computeIfAbsent(move, m -> new EnumMap<>(State.class));
    for (State state : from) {
      if (rows.putIfAbsent(state, List.of(steps)) != null) {
        throw new IllegalStateException("two rows for " + move + " in " + state);
      }
    }
  }
}
