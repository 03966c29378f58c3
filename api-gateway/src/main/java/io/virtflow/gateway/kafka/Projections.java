package io.virtflow.gateway.kafka;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.EpochFence;
import io.virtflow.gateway.domain.SnapshotDirectory;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.SnapshotEvent;
import io.virtflow.schema.Topics;

/**
 * Rebuilds {@link GatewayState} from the beginning of {@code vm.state} (a tombstone removes a domain),
 * {@code host.status}, {@code command.status} and {@code snapshot.events} (the catalog's log, never
 * compacted: every domain's latest catalog is in its last final event), and keeps it current. Records
 * that cannot be decoded are logged, counted and skipped ({@link SkippedRecords}): each topic has many
 * readers, and {@link DeadLetterSweep} alone parks such a record, once.
 */
public final class Projections {
  private static final Logger LOG = LoggerFactory.getLogger(Projections.class);

  private final List<TopicReader> readers = new ArrayList<>();
  private volatile boolean caughtUp;

  private Projections() {
  }

  /**
   * Starts the four readers on {@code context}; the future completes once all have caught up with
   * the end each topic had when they started.
   */
  public static Future<Projections> start(Topics topics, GatewayState state, Clock clock, Context context,
      Supplier<Consumer<String, byte[]>> consumers) {
    Projections p = new Projections();
    // Agent records of a replaced instance of a host (a lower agentEpoch) change nothing.
    EpochFence fence = new EpochFence();
    p.readers.add(new TopicReader("gateway-vm-state", consumers.get(), topics.vmState(), TopicReader.Start.BEGINNING,
        context, batch -> p.apply(batch, Codecs.DOMAIN_STATE, (rec, s) -> {
          if (fence.admit(s.getHostId(), s.getAgentEpoch(), rec.timestamp())) {
            state.domainChanged(AvroMapping.fromState(s));
          }
        },
            rec -> state.domainRemoved(rec.key()))));
    p.readers.add(new TopicReader("gateway-host-status", consumers.get(), topics.hostStatus(),
        TopicReader.Start.BEGINNING, context, batch -> p.apply(batch, Codecs.HOST_STATUS,
            (rec, h) -> {
              fence.started(h.getHostId(), h.getAgentEpoch(), h.getStartedAt().toEpochMilli());
              if (fence.admit(h.getHostId(), h.getAgentEpoch(), rec.timestamp())) {
                state.hostReported(AvroMapping.fromHost(h, clock.instant()));
              }
            },
            rec -> state.hosts().remove(rec.key()))));
    p.readers.add(new TopicReader("gateway-command-status", consumers.get(), topics.commandStatus(),
        TopicReader.Start.BEGINNING, context, batch -> p.apply(batch, Codecs.COMMAND_STATUS,
            (rec, s) -> {
              if (fence.admit(s.getHostId(), s.getAgentEpoch(), rec.timestamp())) {
                state.statusReported(AvroMapping.fromStatus(s));
              }
            }, rec -> { })));
    p.readers.add(new TopicReader("gateway-snapshot-events", consumers.get(), topics.snapshotEvents(),
        TopicReader.Start.BEGINNING, context, batch -> p.apply(batch, Codecs.SNAPSHOT_EVENT,
            (rec, e) -> snapshotEvent(state, e), rec -> { })));
    List<Future<Void>> all = new ArrayList<>();
    for (TopicReader r : p.readers) {
      all.add(r.caughtUp());
      r.start();
    }
    return Future.all(all).map(v -> {
      p.caughtUp = true;
      return p;
    }).recover(e -> p.stop().transform(x -> Future.failedFuture(e)));
  }

  /** Health: UP once caught up, as long as no reader has stopped on an error. */
  public Health.Check check() {
    for (TopicReader r : readers) {
      if (r.failure() != null) {
        return Health.Check.down("a projection reader stopped: " + r.failure());
      }
    }
    return caughtUp ? Health.Check.up("vm.state, host.status, command.status and snapshot.events caught up")
        : Health.Check.down("catching up");
  }

  public Future<Void> stop() {
    List<Future<Void>> all = new ArrayList<>();
    readers.forEach(r -> all.add(r.stop()));
    return Future.join(all).mapEmpty();
  }

  /** Reads one catalog event as the snapshot service does (its {@code CatalogFeed}). */
  static void snapshotEvent(GatewayState state, SnapshotEvent e) {
    switch (e.getPhase()) {
      case CREATING, REVERTING, DELETING -> state.snapshotWorkflowStarted(e.getDomainId(),
          new SnapshotDirectory.InProgress(e.getPhase().name(), e.getSnapshotName(), e.getCommandId(), e.getAt()));
      case DROPPED -> state.snapshotsDropped(e.getDomainId());
      default -> state.snapshotWorkflowEnded(e.getDomainId(), e.getCommandId(),
          e.getCatalog() == null ? null : AvroMapping.fromCatalog(e.getCatalog()));
    }
  }

  /** What to do with one decoded record. */
  private interface Apply<T> {
    void apply(ConsumerRecord<String, byte[]> rec, T value);
  }

  private <T extends org.apache.avro.specific.SpecificRecord> Future<Void> apply(
      List<ConsumerRecord<String, byte[]>> batch, AvroCodec<T> codec, Apply<T> onValue,
      java.util.function.Consumer<ConsumerRecord<String, byte[]>> onTombstone) {
    for (ConsumerRecord<String, byte[]> rec : batch) {
      if (rec.value() == null) {
        if (rec.key() != null) {
          onTombstone.accept(rec);
        }
        continue;
      }
      T value;
      try {
        value = codec.decode(rec.value());
      } catch (AvroCodec.UndecodableException e) {
        SkippedRecords.skip(LOG, "gateway projection", rec, e.getMessage());
        continue;
      }
      onValue.apply(rec, value);
    }
    return Future.succeededFuture();
  }
}
