package io.virtflow.agent.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainSteps;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;

/**
 * Written before a command touches the hypervisor (or the agent's own records, for a job): the domain as
 * it was ({@code versionBefore}, {@link Domain#ABSENT} when it did not exist). If the agent dies before the
 * outcome is recorded, the domain's version tells whether the effect happened.
 *
 * @param domainName the domain's name before, or the name being defined
 * @param request the lifecycle request, or null
 * @param step the snapshot workflow step, or null; neither is set for BeginJob and EndJob
 * @param stateBefore null when the domain did not exist
 */
public record Intent(String commandId, String domainId, String domainName, Request request, DiskStep step,
    long versionBefore, State stateBefore, Reason reasonBefore, Instant at) {

  public Intent {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(domainId, "domainId");
    Objects.requireNonNull(domainName, "domainName");
    Objects.requireNonNull(at, "at");
    if (request != null && step != null) {
      throw new IllegalArgumentException("an intent is for a lifecycle request or for a step, not both");
    }
    if ((stateBefore == null) != (versionBefore == Domain.ABSENT)) {
      throw new IllegalArgumentException("a state before goes with a version before, and only then");
    }
  }

  /** The intent of a lifecycle request. */
  public Intent(String commandId, String domainId, String domainName, Request request, long versionBefore,
      State stateBefore, Reason reasonBefore, Instant at) {
    this(commandId, domainId, domainName, Objects.requireNonNull(request, "request"), null, versionBefore,
        stateBefore, reasonBefore, at);
  }

  /**
   * Whether the effect happened, from what the driver observes now (level-triggered): the domain's version
   * moved (every change the driver makes or sees grows it), or, for a lifecycle request, the domain is
   * where the request leads and was not before (a driver may have been cut off between its call and its
   * bookkeeping: the state tells).
   */
  public boolean effectHappened(Optional<Domain> now) {
    if (now.map(Domain::version).orElse(Domain.ABSENT) != versionBefore) {
      return true;
    }
    if (request == null || !(impliedTransition() instanceof Transition.Accepted a)) {
      return false;
    }
    if (a.removed()) {
      return now.isEmpty();
    }
    return now.isPresent() && stateBefore != null && a.state() != stateBefore && now.get().state() == a.state();
  }

  /** What the lifecycle request did, if it happened: the table's answer from the state recorded before. */
  public Transition impliedTransition() {
    if (request == null) {
      throw new IllegalStateException("intent " + commandId + " is not for a lifecycle request");
    }
    return stateBefore == null
        ? Lifecycle.applyToAbsent(domainName, request)
        : Lifecycle.apply(domainName, stateBefore, reasonBefore == null ? Reason.UNKNOWN : reasonBefore, request);
  }

  /** The events the command emitted if it happened, from the state recorded before. */
  public List<Event> impliedEvents() {
    if (request != null) {
      return impliedTransition() instanceof Transition.Accepted a ? a.events() : List.of();
    }
    return step == null ? List.of() : DomainSteps.impliedEvents(step, domainName, stateBefore, reasonBefore);
  }
}
