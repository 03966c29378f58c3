package io.virtflow.snapshot.kafka;

import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainState;
import io.virtflow.snapshot.domain.DomainDirectory;

/** Keeps a {@link DomainDirectory} equal to the compacted {@code vm.state} topic. */
public final class DomainStateFeed {
  private static final Logger LOG = LoggerFactory.getLogger(DomainStateFeed.class);

  private final DomainDirectory directory;
  private long undecodable;

  public DomainStateFeed(DomainDirectory directory) {
    this.directory = directory;
  }

  public Future<Void> apply(List<ConsumerRecord<String, byte[]>> batch) {
    for (ConsumerRecord<String, byte[]> record : batch) {
      if (record.value() == null) {
        directory.remove(record.key());
        continue;
      }
      try {
        DomainState s = Codecs.DOMAIN_STATE.decode(record.value());
        directory.put(new DomainDirectory.Entry(s.getDomainId(), s.getName(), s.getHostId(), s.getState().name(),
            s.getVersion()));
      } catch (AvroCodec.UndecodableException e) {
        // Not ours to dead-letter: vm.state is read by many; the agents' own consumers report bad input.
        undecodable++;
        LOG.warn("skipping undecodable vm.state record {}-{}@{}: {}", record.topic(), record.partition(),
            record.offset(), e.getMessage());
      }
    }
    return Future.succeededFuture();
  }

  public long undecodable() {
    return undecodable;
  }
}
