package io.virtflow.agent.driver;

import java.util.List;
import java.util.Objects;

import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Event;

/**
 * What a successful snapshot workflow step did: the domain after it, whether the domain itself changed
 * (its version grew: {@code SET_ACTIVE}, {@code STOP_DOMAIN}, ...; a step on files only leaves it as it
 * was), the lifecycle events it emitted, and a message saying what was done or that it was already done.
 */
public record StepResult(Domain domain, boolean changed, List<Event> events, String message) {
  public StepResult {
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(message, "message");
    events = List.copyOf(events);
  }
}
