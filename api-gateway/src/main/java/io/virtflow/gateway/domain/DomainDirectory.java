package io.virtflow.gateway.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The domain projection: every defined domain by id, with a name index. A state older than the one held
 * (lower {@code version}) is ignored; a name change moves the index.
 */
public final class DomainDirectory {
  private final Map<String, DomainView> byId = new HashMap<>();
  private final Map<String, String> idByName = new HashMap<>();

  public void upsert(DomainView view) {
    DomainView old = byId.get(view.domainId());
    if (old != null && old.version() > view.version()) {
      return;
    }
    if (old != null) {
      idByName.remove(old.name(), old.domainId());
    }
    byId.put(view.domainId(), view);
    idByName.put(view.name(), view.domainId());
  }

  public void remove(String domainId) {
    DomainView old = byId.remove(domainId);
    if (old != null) {
      idByName.remove(old.name(), domainId);
    }
  }

  public Optional<DomainView> byId(String domainId) {
    return Optional.ofNullable(byId.get(domainId));
  }

  public Optional<DomainView> byName(String name) {
    return Optional.ofNullable(idByName.get(name)).map(byId::get);
  }

  /** By id when {@code ref} is a UUID, by name otherwise. */
  public Optional<DomainView> find(String ref) {
    return DomainRef.isUuid(ref) ? byId(DomainRef.canonicalId(ref)) : byName(ref);
  }

  public boolean contains(String domainId) {
    return byId.containsKey(domainId);
  }

  public boolean nameTaken(String name) {
    return idByName.containsKey(name);
  }

  /** Every domain, by name. */
  public List<DomainView> all() {
    List<DomainView> out = new ArrayList<>(byId.values());
    out.sort(Comparator.comparing(DomainView::name).thenComparing(DomainView::domainId));
    return out;
  }

  public int size() {
    return byId.size();
  }
}
