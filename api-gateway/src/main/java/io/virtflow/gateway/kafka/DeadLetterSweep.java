package io.virtflow.gateway.kafka;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.OrderedCommitConsumer;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Topics;

/**
 * Parks the undecodable records of the five topics that only projections read ({@code command.status},
 * {@code vm.events}, {@code vm.state}, {@code host.status}, {@code snapshot.events}) in {@code <ns>.dlq},
 * once per namespace. Those topics have many readers (the gateway's projections, one reader per SSE client,
 * the snapshot service's feeds): each of them skips such a record, and this sweep alone parks it.
 *
 * <p>It is an {@link OrderedCommitConsumer} in the group {@code <ns>-gateway-dlq-sweep}, shared by every
 * gateway of the namespace, so each record is examined by one gateway; its committed offsets mean a
 * restarted gateway does not park a record again. A record is done at once when it decodes with its
 * topic's codec, and once the dead-letter write is acknowledged when it does not (a failed write is
 * retried, and nothing after it in the partition is committed meanwhile). A record parked by a gateway
 * that then loses the partition before committing may be parked again by the next owner: at least once.
 *
 * <p>A null value is what each topic's readers make of it: a tombstone on {@code vm.state} and
 * {@code host.status} (compacted; a domain undefined, a host forgotten), skipped without a word on
 * {@code command.status} and {@code snapshot.events}; all four are not parked. On {@code vm.events} the
 * event stream calls a null value undecodable, and so does the sweep.
 */
public final class DeadLetterSweep {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterSweep.class);
  /** The sweep's handler is immediate: this bounds only the dead-letter writes under way. */
  private static final int MAX_IN_FLIGHT = 1_000;
  private static final Object TOMBSTONE = new Object();

  private final OrderedCommitConsumer<Object> consumer;
  private final Map<String, Codec> codecs;
  private final AtomicLong examined = new AtomicLong();
  private final AtomicLong undecodable = new AtomicLong();

  /** How one topic's values are read; {@code nullIsTombstone}: a null value is no poison there. */
  private record Codec(AvroCodec<?> codec, boolean nullIsTombstone) {
  }

  /**
   * @param consumer a group consumer in {@link #group(Topics)} ({@code KafkaSettings.groupConsumer}, which
   *     starts a new group at the earliest offsets)
   */
  public DeadLetterSweep(Topics topics, Consumer<String, byte[]> consumer, Context context, DeadLetters deadLetters) {
    this.codecs = Map.of(
        topics.commandStatus(), new Codec(Codecs.COMMAND_STATUS, true),
        topics.vmEvents(), new Codec(Codecs.DOMAIN_EVENT, false),
        topics.vmState(), new Codec(Codecs.DOMAIN_STATE, true),
        topics.hostStatus(), new Codec(Codecs.HOST_STATUS, true),
        topics.snapshotEvents(), new Codec(Codecs.SNAPSHOT_EVENT, true));
    this.consumer = new OrderedCommitConsumer<>("gateway-dlq-sweep", consumer, List.copyOf(codecs.keySet()), context,
        this::decode, (record, value) -> Future.succeededFuture(), deadLetters, MAX_IN_FLIGHT);
  }

  /** The five topics swept. */
  public static List<String> topicsOf(Topics topics) {
    return List.of(topics.commandStatus(), topics.vmEvents(), topics.vmState(), topics.hostStatus(),
        topics.snapshotEvents());
  }

  /**
   * Starts sweeping. The gateway does not wait for it (its readiness does not depend on the group's
   * assignment); the future fails if the sweep stops on its own before it got partitions (authorization).
   */
  public Future<Void> start() {
    return consumer.start().onFailure(e -> LOG.error("DEAD-LETTER SWEEP STOPPED: undecodable records on the "
        + "projection topics are no longer parked in the dead-letter topic: {}", e.toString()));
  }

  /** Stops; what is parked is committed, the rest is examined again by the next member. */
  public Future<Void> stop() {
    return consumer.stop();
  }

  /** Health, as the router's: DOWN once the sweep stopped on its own (an authorization failure, say). */
  public Health.Check check() {
    if (!consumer.isRunning()) {
      return Health.Check.down(consumer.failure() == null ? "stopped" : "stopped: " + consumer.failure());
    }
    return Health.Check.up(examined.get() + " records examined, " + undecodable.get() + " undecodable");
  }

  private Object decode(String topic, byte[] value) {
    examined.incrementAndGet();
    Codec c = codecs.get(topic);
    if (c == null) {
      throw new IllegalStateException("the sweep does not read " + topic);
    }
    if (value == null && c.nullIsTombstone()) {
      return TOMBSTONE;
    }
    try {
      return c.codec().decode(value);
    } catch (AvroCodec.UndecodableException e) {
      undecodable.incrementAndGet();
      throw e;
    }
  }
}
