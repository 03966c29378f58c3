package io.virtflow.snapshot.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The qcow2 files of one domain's disks: for every file, which disk it belongs to, its backing file
 * (null for a base image) and the internal snapshot tags it holds; and for every disk, the file in use
 * now (the top of its active chain). Immutable.
 */
public final class DiskLayout {

  /**
   * One file. {@code retained}: a metadata-only delete left data in it that the user now manages; it is
   * never changed or removed by virtflow again.
   */
  public record FileNode(String target, String backing, Set<String> tags, boolean retained) {
    public FileNode {
      Objects.requireNonNull(target);
      tags = Set.copyOf(tags);
    }

    public FileNode(String target, String backing, Set<String> tags) {
      this(target, backing, tags, false);
    }

    /** Whether the file holds something that would be lost if its visible content or chain changed. */
    public boolean pinned() {
      return retained || !tags.isEmpty();
    }
  }

  private final Map<String, String> active;          // target -> file
  private final Map<String, FileNode> files;         // path -> node

  private DiskLayout(Map<String, String> active, Map<String, FileNode> files) {
    this.active = active;
    this.files = files;
  }

  /** A freshly defined domain: one base file per disk. */
  public static DiskLayout of(Map<String, String> activeByTarget) {
    Map<String, FileNode> files = new LinkedHashMap<>();
    activeByTarget.forEach((target, file) -> files.put(file, new FileNode(target, null, Set.of())));
    return new DiskLayout(new LinkedHashMap<>(activeByTarget), files);
  }

  public static DiskLayout of(Map<String, String> activeByTarget, Map<String, FileNode> files) {
    for (var e : activeByTarget.entrySet()) {
      if (!files.containsKey(e.getValue())) {
        throw new IllegalArgumentException("active file " + e.getValue() + " of " + e.getKey() + " is not in the layout");
      }
    }
    return new DiskLayout(new LinkedHashMap<>(activeByTarget), new LinkedHashMap<>(files));
  }

  public List<String> targets() {
    return List.copyOf(active.keySet());
  }

  public String active(String target) {
    return active.get(target);
  }

  /** Disk target to its active file, in the disks' order. */
  public Map<String, String> activeFiles() {
    return java.util.Collections.unmodifiableMap(active);
  }

  /** Every file, in the order the files came to be. */
  public Map<String, FileNode> files() {
    return java.util.Collections.unmodifiableMap(files);
  }

  public boolean has(String file) {
    return files.containsKey(file);
  }

  public FileNode node(String file) {
    FileNode n = files.get(file);
    if (n == null) {
      throw new IllegalArgumentException("no file " + file + " in the layout");
    }
    return n;
  }

  public String backing(String file) {
    return node(file).backing();
  }

  public Set<String> tags(String file) {
    return node(file).tags();
  }

  /** Files whose backing file is {@code file}. */
  public List<String> overlaysOf(String file) {
    List<String> out = new ArrayList<>();
    files.forEach((path, node) -> {
      if (file.equals(node.backing())) {
        out.add(path);
      }
    });
    return out;
  }

  /** The active chain of a disk, top first. */
  public List<String> chain(String target) {
    List<String> out = new ArrayList<>();
    for (String f = active.get(target); f != null; f = files.get(f).backing()) {
      out.add(f);
    }
    return out;
  }

  public DiskLayout withFile(String file, String target, String backing) {
    Map<String, FileNode> f = new LinkedHashMap<>(files);
    f.put(file, new FileNode(target, backing, Set.of()));
    return new DiskLayout(active, f);
  }

  /** A copy of {@code source} (same backing, same tags). */
  public DiskLayout withCopy(String source, String file) {
    FileNode n = node(source);
    Map<String, FileNode> f = new LinkedHashMap<>(files);
    f.put(file, new FileNode(n.target(), n.backing(), n.tags(), false));
    return new DiskLayout(active, f);
  }

  public DiskLayout retained(String file) {
    FileNode n = node(file);
    Map<String, FileNode> f = new LinkedHashMap<>(files);
    f.put(file, new FileNode(n.target(), n.backing(), n.tags(), true));
    return new DiskLayout(active, f);
  }

  public DiskLayout withoutFile(String file) {
    Map<String, FileNode> f = new LinkedHashMap<>(files);
    f.remove(file);
    return new DiskLayout(active, f);
  }

  public DiskLayout withActive(String target, String file) {
    Map<String, String> a = new LinkedHashMap<>(active);
    a.put(target, file);
    return new DiskLayout(a, files);
  }

  public DiskLayout withBacking(String file, String backing) {
    FileNode n = node(file);
    Map<String, FileNode> f = new LinkedHashMap<>(files);
    f.put(file, new FileNode(n.target(), backing, n.tags(), n.retained()));
    return new DiskLayout(active, f);
  }

  public DiskLayout withTag(String file, String tag) {
    FileNode n = node(file);
    Set<String> tags = new LinkedHashSet<>(n.tags());
    tags.add(tag);
    Map<String, FileNode> f = new LinkedHashMap<>(files);
    f.put(file, new FileNode(n.target(), n.backing(), tags, n.retained()));
    return new DiskLayout(active, f);
  }

  public DiskLayout withoutTag(String file, String tag) {
    FileNode n = node(file);
    Set<String> tags = new LinkedHashSet<>(n.tags());
    tags.remove(tag);
    Map<String, FileNode> f = new LinkedHashMap<>(files);
    f.put(file, new FileNode(n.target(), n.backing(), tags, n.retained()));
    return new DiskLayout(active, f);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiskLayout l && l.active.equals(active) && l.files.equals(files);
  }

  @Override
  public int hashCode() {
    return Objects.hash(active, files);
  }

  @Override
  public String toString() {
    Map<String, Object> m = new HashMap<>();
    m.put("active", active);
    m.put("files", files);
    return m.toString();
  }
}
