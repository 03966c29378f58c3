package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One domain's snapshot catalog as the snapshot service last published it (a final event on
 * {@code snapshot.events}). Each snapshot stores only its parent's name; children are derived here, as
 * libvirt rebuilds its tree on load. Snapshots are listed oldest first (then by name).
 *
 * @param current the snapshot the domain's disks descend from now, or null
 */
public record SnapshotCatalogView(List<SnapshotView> snapshots, String current) {
  public static final SnapshotCatalogView EMPTY = new SnapshotCatalogView(List.of(), null);

  private static final Comparator<SnapshotView> ORDER = Comparator.comparing(SnapshotView::createdAt)
      .thenComparing(SnapshotView::name);

  /**
   * One snapshot.
   *
   * @param parent the parent's name, or null for a root
   * @param creationState the domain's state when the snapshot was taken (libvirt's snapshot "state")
   * @param online the domain was running while its disks were snapshotted
   * @param quiesced the guest's file systems were frozen through its agent
   * @param paused the domain was paused for the snapshot
   */
  public record SnapshotView(String name, String parent, SnapshotKind kind, String description, String creationState,
      boolean online, boolean quiesced, boolean paused, Instant createdAt, List<Disk> disks) {
    public SnapshotView {
      Objects.requireNonNull(name);
      Objects.requireNonNull(kind);
      Objects.requireNonNull(createdAt);
      disks = List.copyOf(disks);
    }
  }

  /**
   * One disk of a snapshot.
   *
   * @param file the image that holds the snapshot's data for this disk
   * @param tag the internal snapshot's tag inside {@code file}, or null (external)
   * @param overlay the overlay created on top of {@code file} when the snapshot was taken, or null (internal)
   */
  public record Disk(String target, String file, String tag, String overlay) {
  }

  public SnapshotCatalogView {
    List<SnapshotView> sorted = new ArrayList<>(snapshots);
    sorted.sort(ORDER);
    snapshots = List.copyOf(sorted);
  }

  public Optional<SnapshotView> find(String name) {
    return snapshots.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public boolean contains(String name) {
    return find(name).isPresent();
  }

  /** The names of the snapshots whose parent is {@code name}, oldest first. */
  public List<String> children(String name) {
    return snapshots.stream().filter(s -> name.equals(s.parent())).map(SnapshotView::name).toList();
  }

  public int size() {
    return snapshots.size();
  }
}
