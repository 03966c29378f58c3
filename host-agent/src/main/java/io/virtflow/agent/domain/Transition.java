package io.virtflow.agent.domain;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What {@link Lifecycle} answers for one operation on a domain in one state. */
public sealed interface Transition {

  /**
   * The operation is legal: the domain ends in {@code state}/{@code reason} (or is gone when
   * {@code removed}), and these events, in order, say how it got there.
   */
  record Accepted(State state, Reason reason, boolean removed, List<Event> events) implements Transition {
    public Accepted {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(reason, "reason");
      events = List.copyOf(events);
    }
  }

  /** The operation is refused and nothing changes; {@code current} is the state it was refused in. */
  record Rejected(Fault fault, String message, Optional<State> current) implements Transition {
    public Rejected {
      Objects.requireNonNull(fault, "fault");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(current, "current");
    }
  }
}
