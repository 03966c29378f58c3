package io.virtflow.snapshot.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The snapshots of one domain as a tree. Immutable. Only each snapshot's parent name is stored; children
 * are derived. Missing parents and cycles are refused on load and on insert, as libvirt does.
 */
public final class SnapshotTree {
  private final Map<String, Snapshot> byName;
  private final String current;

  private SnapshotTree(Map<String, Snapshot> byName, String current) {
    this.byName = byName;
    this.current = current;
  }

  public static SnapshotTree empty() {
    return new SnapshotTree(new LinkedHashMap<>(), null);
  }

  /** Builds a tree from persisted snapshots (in creation order) and the current snapshot's name. */
  public static SnapshotTree of(Collection<Snapshot> snapshots, String current) {
    Map<String, Snapshot> map = new LinkedHashMap<>();
    for (Snapshot s : snapshots) {
      if (map.put(s.name(), s) != null) {
        throw new InconsistentTreeException("snapshot '" + s.name() + "' appears twice");
      }
    }
    for (Snapshot s : map.values()) {
      if (s.parent() != null && !map.containsKey(s.parent())) {
        throw new InconsistentTreeException("snapshot '" + s.name() + "' names a missing parent '" + s.parent() + "'");
      }
      Set<String> seen = new HashSet<>();
      for (Snapshot at = s; at != null; at = at.parent() == null ? null : map.get(at.parent())) {
        if (!seen.add(at.name())) {
          throw new InconsistentTreeException("snapshot '" + s.name() + "' is in a parent cycle");
        }
      }
    }
    if (current != null && !map.containsKey(current)) {
      throw new InconsistentTreeException("current snapshot '" + current + "' does not exist");
    }
    return new SnapshotTree(map, current);
  }

  public Optional<Snapshot> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  public Optional<Snapshot> current() {
    return get(current);
  }

  public String currentName() {
    return current;
  }

  public int size() {
    return byName.size();
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  /** All snapshots in creation order. */
  public List<Snapshot> all() {
    return List.copyOf(byName.values());
  }

  public List<Snapshot> children(String name) {
    return byName.values().stream().filter(s -> name.equals(s.parent())).toList();
  }

  /** Every descendant of {@code name}, leaves before their parents. */
  public List<Snapshot> descendantsLeavesFirst(String name) {
    List<Snapshot> out = new ArrayList<>();
    for (Snapshot child : children(name)) {
      out.addAll(descendantsLeavesFirst(child.name()));
      out.add(child);
    }
    return out;
  }

  /** Adds a snapshot under its parent and makes it current. */
  public SnapshotTree add(Snapshot s) {
    if (byName.containsKey(s.name())) {
      throw new InconsistentTreeException("snapshot '" + s.name() + "' already exists");
    }
    if (s.parent() != null && !byName.containsKey(s.parent())) {
      throw new InconsistentTreeException("parent '" + s.parent() + "' of '" + s.name() + "' does not exist");
    }
    Map<String, Snapshot> map = new LinkedHashMap<>(byName);
    map.put(s.name(), s);
    return new SnapshotTree(map, s.name());
  }

  /** Removes one snapshot; its children move up to its parent, and so does the current marker. */
  public SnapshotTree remove(String name) {
    Snapshot gone = byName.get(name);
    if (gone == null) {
      return this;
    }
    Map<String, Snapshot> map = new LinkedHashMap<>();
    for (Snapshot s : byName.values()) {
      if (s.name().equals(name)) {
        continue;
      }
      map.put(s.name(), name.equals(s.parent()) ? s.withParent(gone.parent()) : s);
    }
    return new SnapshotTree(map, name.equals(current) ? gone.parent() : current);
  }

  public SnapshotTree withCurrent(String name) {
    if (name != null && !byName.containsKey(name)) {
      throw new InconsistentTreeException("snapshot '" + name + "' does not exist");
    }
    return new SnapshotTree(byName, name);
  }

  /** A tree whose links cannot be trusted: a missing parent, a cycle, a duplicate. */
  public static final class InconsistentTreeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InconsistentTreeException(String message) {
      super(message);
    }
  }
}
