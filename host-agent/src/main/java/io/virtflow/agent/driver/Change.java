package io.virtflow.agent.driver;

import java.util.List;
import java.util.Objects;

import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Event;

/**
 * What a successful hypervisor call did: the domain after it (for undefine, the domain as it was removed,
 * {@code removed} set) and the lifecycle events it emitted, in order.
 */
public record Change(Domain domain, boolean removed, List<Event> events) {
  public Change {
    Objects.requireNonNull(domain, "domain");
    events = List.copyOf(events);
  }
}
