package io.virtflow.agent.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;

/**
 * Written before a command touches the hypervisor: the domain as it was ({@code versionBefore},
 * {@link Domain#ABSENT} when it did not exist). If the agent dies before the outcome is recorded, the
 * domain's version tells whether the effect happened.
 *
 * @param domainName the domain's name before, or the name being defined
 * @param stateBefore null when the domain did not exist
 */
public record Intent(String commandId, String domainId, String domainName, Request request, long versionBefore,
    State stateBefore, Reason reasonBefore, Instant at) {

  public Intent {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(domainId, "domainId");
    Objects.requireNonNull(domainName, "domainName");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(at, "at");
    if ((stateBefore == null) != (versionBefore == Domain.ABSENT)) {
      throw new IllegalArgumentException("a state before goes with a version before, and only then");
    }
  }

  /** The effect happened iff the domain is not where the intent found it (versions only grow). */
  public boolean effectHappened(Optional<Domain> now) {
    return now.map(Domain::version).orElse(Domain.ABSENT) != versionBefore;
  }

  /** What the command did, if it happened: the table's answer from the state recorded before. */
  public Transition impliedTransition() {
    return stateBefore == null
        ? Lifecycle.applyToAbsent(domainName, request)
        : Lifecycle.apply(domainName, stateBefore, reasonBefore == null ? Reason.UNKNOWN : reasonBefore, request);
  }
}
