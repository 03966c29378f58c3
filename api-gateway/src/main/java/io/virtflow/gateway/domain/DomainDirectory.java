package io.virtflow.gateway.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The domain projection: every defined domain by id, with a name index. A state older than the one held
 * (lower {@code version}) is ignored; a name change moves the index.
 */
public final class DomainDirectory {
  /** Where a domain sorts in lists: by name, then id. Also a page cursor. */
  public record ListKey(String name, String domainId) implements Comparable<ListKey> {
    private static final Comparator<ListKey> ORDER = Comparator.comparing(ListKey::name)
        .thenComparing(ListKey::domainId);

    public static ListKey of(DomainView d) {
      return new ListKey(d.name(), d.domainId());
    }

    @Override
    public int compareTo(ListKey o) {
      return ORDER.compare(this, o);
    }
  }

  private final Map<String, DomainView> byId = new HashMap<>();
  private final Map<String, String> idByName = new HashMap<>();
  private final NavigableMap<ListKey, DomainView> sorted = new TreeMap<>();

  public void upsert(DomainView view) {
    DomainView old = byId.get(view.domainId());
    if (old != null && old.version() > view.version()) {
      return;
    }
    if (old != null) {
      idByName.remove(old.name(), old.domainId());
      sorted.remove(ListKey.of(old));
    }
    byId.put(view.domainId(), view);
    idByName.put(view.name(), view.domainId());
    sorted.put(ListKey.of(view), view);
  }

  public void remove(String domainId) {
    DomainView old = byId.remove(domainId);
    if (old != null) {
      idByName.remove(old.name(), domainId);
      sorted.remove(ListKey.of(old));
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

  /** Every domain, by name (then id). */
  public List<DomainView> all() {
    return new ArrayList<>(sorted.values());
  }

  /** The domains after {@code after} (all of them when null), by name then id; a view, walked lazily. */
  public Iterable<DomainView> after(ListKey after) {
    return after == null ? sorted.values() : sorted.tailMap(after, false).values();
  }

  public int size() {
    return byId.size();
  }
}
