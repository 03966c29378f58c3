package io.virtflow.client;

import java.util.EnumSet;
import java.util.Set;

import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.EventType;

/**
 * Which lifecycle events a reader passes on: optionally one domain (its id, or its name as virsh accepts),
 * one host, and a set of event types. Immutable; {@link #all()} passes everything.
 */
public record EventFilter(String domain, String host, Set<EventType> types) {
  private static final EventFilter ALL = new EventFilter(null, null, Set.of());

  public EventFilter {
    types = types == null ? Set.of() : Set.copyOf(types);
  }

  public static EventFilter all() {
    return ALL;
  }

  /** Only the events of this domain, named by id or by name. */
  public EventFilter domain(String idOrName) {
    return new EventFilter(idOrName, host, types);
  }

  public EventFilter host(String hostId) {
    return new EventFilter(domain, hostId, types);
  }

  public EventFilter types(EventType first, EventType... rest) {
    return new EventFilter(domain, host, EnumSet.of(first, rest));
  }

  public boolean test(DomainEvent e) {
    return (domain == null || domain.equals(e.getDomainId()) || domain.equals(e.getDomainName()))
        && (host == null || host.equals(e.getHostId()))
        && (types.isEmpty() || types.contains(e.getType()));
  }
}
