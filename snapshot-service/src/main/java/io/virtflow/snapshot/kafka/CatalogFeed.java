package io.virtflow.snapshot.kafka;

import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.SnapshotEvent;
import io.virtflow.snapshot.domain.CatalogBook;
import io.virtflow.snapshot.domain.DiskLayout;
import io.virtflow.snapshot.domain.DomainCatalog;
import io.virtflow.snapshot.domain.SnapshotTree;

/**
 * Rebuilds every domain's catalog from {@code snapshot.events}, the source of truth: a final event
 * carries the whole catalog, an in-progress event the workflow under way.
 */
public final class CatalogFeed {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogFeed.class);
  private final CatalogBook book;
  private final java.util.Set<String> appliedLocally = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private long inconsistent;

  public CatalogFeed(CatalogBook book) {
    this.book = book;
  }

  public Future<Void> apply(List<ConsumerRecord<String, byte[]>> batch) {
    for (ConsumerRecord<String, byte[]> r : batch) {
      if (r.value() == null) {
        continue;
      }
      try {
        SnapshotEvent e = Codecs.SNAPSHOT_EVENT.decode(r.value());
        // Our own writes were applied when Kafka acknowledged them; reading them back changes nothing,
        // and must not roll a newer local state back to an older event.
        if (!appliedLocally.remove(e.getEventId())) {
          apply(e);
        }
      } catch (AvroCodec.UndecodableException e) {
        inconsistent++;
        SkippedRecords.skip(LOG, "snapshot catalog feed", r, e.getMessage());
      } catch (SnapshotTree.InconsistentTreeException | IllegalArgumentException e) {
        inconsistent++;
        LOG.error("snapshot event {}-{}@{} cannot be applied: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
      }
    }
    return Future.succeededFuture();
  }

  /** Applies an event this service just wrote (acknowledged by Kafka), ahead of reading it back. */
  public void applyLocal(SnapshotEvent e) {
    appliedLocally.add(e.getEventId());
    apply(e);
  }

  public void apply(SnapshotEvent e) {
    DomainCatalog before = book.get(e.getDomainId()).orElse(null);
    SnapshotTree tree = before == null ? SnapshotTree.empty() : before.tree();
    DiskLayout layout = before == null ? null : before.layout();
    switch (e.getPhase()) {
      case CREATING, REVERTING, DELETING -> {
        SnapshotTree plannedTree = e.getCatalog() == null ? tree : CatalogMapping.tree(e.getCatalog());
        DiskLayout plannedLayout = e.getCatalog() == null ? layout : CatalogMapping.layout(e.getCatalog());
        book.put(new DomainCatalog(e.getDomainId(), tree, layout, new DomainCatalog.InProgress(e.getWorkflowId(),
            e.getCommandId(), DomainCatalog.InProgress.Phase.valueOf(e.getPhase().name()), e.getSnapshotName(), e.getHostId(),
            CatalogMapping.fromAvro(e.getSteps()), CatalogMapping.fromAvro(e.getUndo()), plannedTree, plannedLayout)));
      }
      case DROPPED -> book.remove(e.getDomainId());
      default -> {
        book.finished(e.getCommandId());
        if (e.getCatalog() != null) {
          book.put(new DomainCatalog(e.getDomainId(), CatalogMapping.tree(e.getCatalog()),
              CatalogMapping.layout(e.getCatalog()), null));
        } else if (before != null) {
          book.put(new DomainCatalog(e.getDomainId(), tree, layout, null));
        }
      }
    }
  }

  /** Events that could not be applied: a catalog that needs a look (reported by health). */
  public long inconsistent() {
    return inconsistent;
  }
}
