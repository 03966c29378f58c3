package io.virtflow.snapshot.domain;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Every domain's catalog, as rebuilt from the snapshot event log. */
public final class CatalogBook {
  private final Map<String, DomainCatalog> byDomain = new ConcurrentHashMap<>();
  private final java.util.Set<String> finishedCommands = ConcurrentHashMap.newKeySet();

  /** Remembers that the workflow of a request ended (a redelivered request is then not run again). */
  public void finished(String commandId) {
    if (commandId != null) {
      finishedCommands.add(commandId);
    }
  }

  public boolean isFinished(String commandId) {
    return finishedCommands.contains(commandId);
  }

  public Optional<DomainCatalog> get(String domainId) {
    return Optional.ofNullable(byDomain.get(domainId));
  }

  public void put(DomainCatalog catalog) {
    byDomain.put(catalog.domainId(), catalog);
  }

  public void remove(String domainId) {
    byDomain.remove(domainId);
  }

  public List<DomainCatalog> inProgress() {
    return byDomain.values().stream().filter(DomainCatalog::busy).toList();
  }

  public int size() {
    return byDomain.size();
  }
}
