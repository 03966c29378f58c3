package io.virtflow.snapshot.domain;

import java.util.Objects;

/**
 * One disk of a snapshot. Internal: {@code file} holds the snapshot as the internal snapshot {@code tag}.
 * External: {@code file} is the frozen image whose current content is the snapshot, and {@code overlay} the
 * file that was put on top of it when the snapshot was taken.
 */
public record SnapshotDisk(String target, String file, String tag, String overlay) {
  public SnapshotDisk {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(file, "file");
  }

  public static SnapshotDisk internal(String target, String file, String tag) {
    return new SnapshotDisk(target, file, Objects.requireNonNull(tag), null);
  }

  public static SnapshotDisk external(String target, String frozen, String overlay) {
    return new SnapshotDisk(target, frozen, null, Objects.requireNonNull(overlay));
  }

  public boolean internal() {
    return tag != null;
  }
}
