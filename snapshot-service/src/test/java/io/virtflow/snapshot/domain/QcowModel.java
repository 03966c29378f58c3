package io.virtflow.snapshot.domain;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * qcow2 semantics in memory, for testing the rules fast: a file maps clusters to bytes and reads what it
 * lacks through its backing file; an internal snapshot freezes a file's own cluster map (and, as in
 * qcow2, still reads missing clusters through whatever the backing file is at read time). Safe rebase
 * copies into a file every cluster whose visible value would otherwise change.
 */
final class QcowModel {
  static final int CLUSTERS = 8;

  static final class File {
    String backing;
    Map<Integer, Integer> active = new HashMap<>();
    Map<String, Map<Integer, Integer>> snapshots = new HashMap<>();

    File copy() {
      File f = new File();
      f.backing = backing;
      f.active = new HashMap<>(active);
      snapshots.forEach((k, v) -> f.snapshots.put(k, new HashMap<>(v)));
      return f;
    }
  }

  final Map<String, File> files = new HashMap<>();
  final Map<String, String> active = new HashMap<>();

  Integer read(String file, int cluster) {
    File f = files.get(file);
    if (f == null) {
      throw new AssertionError("read through missing file " + file);
    }
    Integer v = f.active.get(cluster);
    return v != null ? v : f.backing == null ? null : read(f.backing, cluster);
  }

  Integer readSnapshot(String file, String tag, int cluster) {
    File f = files.get(file);
    if (f == null || !f.snapshots.containsKey(tag)) {
      throw new AssertionError("no internal snapshot " + tag + " in " + file);
    }
    Integer v = f.snapshots.get(tag).get(cluster);
    return v != null ? v : f.backing == null ? null : read(f.backing, cluster);
  }

  Map<Integer, Integer> content(String file) {
    Map<Integer, Integer> out = new HashMap<>();
    for (int c = 0; c < CLUSTERS; c++) {
      Integer v = read(file, c);
      if (v != null && v != 0) {
        out.put(c, v);
      }
    }
    return out;
  }

  Map<Integer, Integer> snapshotContent(String file, String tag) {
    Map<Integer, Integer> out = new HashMap<>();
    for (int c = 0; c < CLUSTERS; c++) {
      Integer v = readSnapshot(file, tag, c);
      if (v != null && v != 0) {
        out.put(c, v);
      }
    }
    return out;
  }

  void write(String target, int cluster, int value) {
    files.get(active.get(target)).active.put(cluster, value);
  }

  void apply(Step step) {
    if (step instanceof Step.CreateInternal s) {
      File f = must(s.file());
      if (f.snapshots.containsKey(s.tag())) {
        throw new AssertionError("duplicate tag " + s.tag() + " in " + s.file());
      }
      f.snapshots.put(s.tag(), new HashMap<>(f.active));
    } else if (step instanceof Step.DeleteInternal s) {
      must(s.file()).snapshots.remove(s.tag());
    } else if (step instanceof Step.ApplyInternal s) {
      File f = must(s.file());
      if (readers(s.file()) > 0) {
        throw new AssertionError("applied an internal snapshot in " + s.file() + " which other files read through");
      }
      f.active = new HashMap<>(f.snapshots.get(s.tag()));
    } else if (step instanceof Step.CreateOverlay s) {
      must(s.backing());
      if (files.containsKey(s.file())) {
        throw new AssertionError("overlay " + s.file() + " exists");
      }
      File f = new File();
      f.backing = s.backing();
      files.put(s.file(), f);
    } else if (step instanceof Step.CopyFile s) {
      files.put(s.file(), must(s.source()).copy());
    } else if (step instanceof Step.Rebase s) {
      File f = must(s.file());
      for (int c = 0; c < CLUSTERS; c++) {
        if (!f.active.containsKey(c)) {
          int old = orZero(f.backing == null ? null : read(f.backing, c));
          int now = orZero(s.backing() == null ? null : read(s.backing(), c));
          if (old != now) {
            f.active.put(c, old); // 0: an explicit zero cluster, as qemu-img rebase writes
          }
        }
      }
      f.backing = s.backing();
    } else if (step instanceof Step.DeleteFile s) {
      if (readers(s.file()) > 0) {
        throw new AssertionError("deleted " + s.file() + " which other files read through");
      }
      if (active.containsValue(s.file())) {
        throw new AssertionError("deleted the active file " + s.file());
      }
      files.remove(s.file());
    } else if (step instanceof Step.SetActive s) {
      must(s.file());
      active.put(s.target(), s.file());
    }
    // StopDomain, StartDomain, Freeze, Thaw: no disk effect.
  }

  private static int orZero(Integer v) {
    return v == null ? 0 : v;
  }

  int readers(String file) {
    int n = 0;
    for (File f : files.values()) {
      if (file.equals(f.backing)) {
        n++;
      }
    }
    return n;
  }

  Set<String> fileNames() {
    return new HashSet<>(files.keySet());
  }

  private File must(String file) {
    File f = files.get(file);
    if (f == null) {
      throw new AssertionError("no file " + file);
    }
    return f;
  }
}
