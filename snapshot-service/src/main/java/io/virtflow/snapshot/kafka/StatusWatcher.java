package io.virtflow.snapshot.kafka;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Codecs;
import io.virtflow.snapshot.domain.EpochFence;

/**
 * Waits for the terminal status of the step commands a workflow sends. Reads {@code command.status}
 * from its end; a caller registers before it sends, so no answer can slip past.
 */
public final class StatusWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(StatusWatcher.class);
  private static final Set<CommandStatusCode> TERMINAL = Set.of(CommandStatusCode.SUCCEEDED, CommandStatusCode.FAILED,
      CommandStatusCode.REJECTED, CommandStatusCode.CANCELLED, CommandStatusCode.TIMED_OUT);

  private final Map<String, Promise<CommandStatus>> waiting = new ConcurrentHashMap<>();
  private final TopicReader reader;
  /** A step's answer from a replaced instance of its host (a lower agentEpoch) is no answer. */
  private final EpochFence fence = new EpochFence();

  public StatusWatcher(BusConfig bus, Context context) {
    this.reader = new TopicReader("snapshot-status",
        new KafkaConsumer<>(KafkaSettings.reader(bus.bootstrap(), "snapshot-service-status")),
        bus.topics().commandStatus(), TopicReader.Start.END, context, this::apply);
  }

  /** Starts reading; the future completes once the reader is positioned. */
  public Future<Void> start() {
    reader.start();
    return reader.startPositions().mapEmpty();
  }

  /** The terminal status of {@code commandId}, once it is published. Register before sending. */
  public Future<CommandStatus> expect(String commandId) {
    return waiting.computeIfAbsent(commandId, id -> Promise.promise()).future();
  }

  public void forget(String commandId) {
    waiting.remove(commandId);
  }

  public Throwable failure() {
    return reader.failure();
  }

  public Future<Void> stop() {
    return reader.stop();
  }

  private Future<Void> apply(List<ConsumerRecord<String, byte[]>> batch) {
    for (ConsumerRecord<String, byte[]> r : batch) {
      if (r.value() == null) {
        continue;
      }
      try {
        // Every status is read, not only awaited ones: each teaches the fence its host's newest epoch.
        CommandStatus s = Codecs.COMMAND_STATUS.decode(r.value());
        if (!fence.admit(s.getHostId(), s.getAgentEpoch(), r.timestamp()) || !waiting.containsKey(r.key())) {
          continue;
        }
        if (TERMINAL.contains(s.getStatus())) {
          Promise<CommandStatus> p = waiting.remove(s.getCommandId());
          if (p != null) {
            p.tryComplete(s);
          }
        }
      } catch (AvroCodec.UndecodableException e) {
        SkippedRecords.skip(LOG, "snapshot status watcher", r, e.getMessage());
      }
    }
    return Future.succeededFuture();
  }
}
