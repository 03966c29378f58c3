package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;

/**
 * The snapshot projection: per domain, the catalog of the last final event on {@code snapshot.events}
 * and the workflow under way, if any. It reads the log as the snapshot service itself does:
 * <ul>
 *   <li>CREATING, REVERTING, DELETING: a workflow started; the catalog stays as it was until it ends;</li>
 *   <li>any other phase (CREATED, REVERTED, DELETED, FAILED, RECONCILED): the workflow ended; the catalog
 *       becomes the one the event carries, or stays when it carries none;</li>
 *   <li>DROPPED: the domain's catalog is gone.</li>
 * </ul>
 * It also remembers which commands' workflows have ended here (bounded, oldest forgotten first), so that
 * a command's terminal status can wait for its catalog.
 */
public final class SnapshotDirectory {

  /**
   * A workflow under way.
   *
   * @param phase CREATING, REVERTING or DELETING
   * @param commandId the request that started it, or null
   */
  public record InProgress(String phase, String snapshot, String commandId, Instant since) {
  }

  /** What the projection holds for one domain. */
  public record Entry(SnapshotCatalogView catalog, InProgress inProgress) {
    static final Entry NONE = new Entry(SnapshotCatalogView.EMPTY, null);
  }

  private final Map<String, Entry> byDomain = new HashMap<>();
  private final LinkedHashSet<String> settled = new LinkedHashSet<>();
  private final int settledCap;

  public SnapshotDirectory(int settledCap) {
    if (settledCap < 1) {
      throw new IllegalArgumentException("settledCap must be positive");
    }
    this.settledCap = settledCap;
  }

  /** A workflow began for the domain. */
  public void started(String domainId, InProgress inProgress) {
    byDomain.put(domainId, new Entry(entry(domainId).catalog(), inProgress));
  }

  /**
   * A workflow ended (or a check ran): {@code catalog} is the domain's whole catalog now, or null when
   * the event carries none (the catalog is unchanged).
   */
  public void finished(String domainId, String commandId, SnapshotCatalogView catalog) {
    if (catalog != null || byDomain.containsKey(domainId)) {
      byDomain.put(domainId, new Entry(catalog == null ? entry(domainId).catalog() : catalog, null));
    }
    if (commandId != null) {
      settled.remove(commandId);
      settled.add(commandId);
      if (settled.size() > settledCap) {
        settled.remove(settled.iterator().next());
      }
    }
  }

  /** The domain's catalog is gone (undefined with its snapshot metadata). */
  public void dropped(String domainId) {
    byDomain.remove(domainId);
  }

  /** The domain's catalog and workflow; an empty catalog for a domain never snapshotted. */
  public Entry entry(String domainId) {
    return byDomain.getOrDefault(domainId, Entry.NONE);
  }

  public SnapshotCatalogView catalog(String domainId) {
    return entry(domainId).catalog();
  }

  public Optional<InProgress> inProgress(String domainId) {
    return Optional.ofNullable(entry(domainId).inProgress());
  }

  /** How many snapshots the domain's catalog holds. */
  public int count(String domainId) {
    return catalog(domainId).size();
  }

  /** Whether the workflow of this command ended in the projection (its final event was read). */
  public boolean settled(String commandId) {
    return settled.contains(commandId);
  }

  public int size() {
    return byDomain.size();
  }
}
