package io.virtflow.agent.kafka;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.State;

/**
 * The hypervisor's domains as of the last change this agent made or saw: what its states and statuses say
 * about a domain, and what an observed change is compared with. Only the agent's context touches it.
 */
final class Inventory {
  private final Map<String, Domain> domains = new HashMap<>();

  Inventory(Collection<Domain> domains) {
    domains.forEach(d -> this.domains.put(d.id(), d));
  }

  Optional<Domain> get(String domainId) {
    return Optional.ofNullable(domains.get(domainId));
  }

  boolean has(String domainId) {
    return domains.containsKey(domainId);
  }

  /** A view, not a copy. */
  Set<String> ids() {
    return Collections.unmodifiableSet(domains.keySet());
  }

  Collection<Domain> all() {
    return List.copyOf(domains.values());
  }

  /** The domain as it is now, or (empty) gone. */
  void remember(String domainId, Optional<Domain> domain) {
    domain.ifPresentOrElse(d -> domains.put(domainId, d), () -> domains.remove(domainId));
  }

  /** The domain's state, or null when this host does not have it. */
  State stateOf(String domainId) {
    Domain d = domains.get(domainId);
    return d == null ? null : d.state();
  }

  /** How messages name a domain: its name, or its id when this host does not have it. */
  String nameOf(String domainId) {
    Domain d = domains.get(domainId);
    return d == null ? domainId : d.name();
  }
}
