package io.virtflow.snapshot.kafka;

import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainState;
import io.virtflow.snapshot.domain.DomainDirectory;

/** Keeps a {@link DomainDirectory} equal to the compacted {@code vm.state} topic. */
public final class DomainStateFeed {
  private static final Logger LOG = LoggerFactory.getLogger(DomainStateFeed.class);

  private final DomainDirectory directory;
  private long undecodable;

  private final java.util.function.Consumer<String> removed;

  public DomainStateFeed(DomainDirectory directory) {
    this(directory, id -> { });
  }

  /** {@code removed} hears of every undefined domain (a tombstone). */
  public DomainStateFeed(DomainDirectory directory, java.util.function.Consumer<String> removed) {
    this.directory = directory;
    this.removed = removed;
  }

  public Future<Void> apply(List<ConsumerRecord<String, byte[]>> batch) {
    for (ConsumerRecord<String, byte[]> record : batch) {
      if (record.value() == null) {
        directory.remove(record.key());
        removed.accept(record.key());
        continue;
      }
      try {
        DomainState s = Codecs.DOMAIN_STATE.decode(record.value());
        java.util.Map<String, String> disks = new java.util.LinkedHashMap<>();
        s.getDisks().forEach(d -> {
          if (d.getPath() != null) {
            disks.put(d.getTarget(), d.getPath());
          }
        });
        directory.put(new DomainDirectory.Entry(s.getDomainId(), s.getName(), s.getHostId(), s.getState().name(),
            s.getVersion(), disks, s.getGuestAgent(), s.getFilesHeld()));
      } catch (AvroCodec.UndecodableException e) {
        // Not ours to dead-letter: vm.state is read by many; the gateway's dead-letter sweep parks it once.
        undecodable++;
        SkippedRecords.skip(LOG, "snapshot vm.state feed", record, e.getMessage());
      }
    }
    return Future.succeededFuture();
  }

  public long undecodable() {
    return undecodable;
  }
}
