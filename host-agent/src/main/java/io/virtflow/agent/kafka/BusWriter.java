package io.virtflow.agent.kafka;

import java.util.List;

import io.vertx.core.Future;
import io.virtflow.platform.kafka.Publisher;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.Topics;

/**
 * What the agent writes on the bus, each on its topic and key (DESIGN §3). Every future completes once
 * Kafka acknowledged the write (acks=all).
 *
 * <p>Every record carries this instance's {@code agentEpoch}. Once {@link #fence fenced} (a newer
 * instance of the host showed up) nothing more is written: every write fails at once, from any thread.
 */
public final class BusWriter {
  private final Publisher publisher;
  private final Topics topics;
  private final long epoch;
  private volatile String fencedBecause;

  public BusWriter(Publisher publisher, Topics topics, long epoch) {
    this.publisher = publisher;
    this.topics = topics;
    this.epoch = epoch;
  }

  /** From now on nothing is published; callable from any thread. */
  public void fence(String because) {
    fencedBecause = because;
  }

  public boolean fenced() {
    return fencedBecause != null;
  }

  public long epoch() {
    return epoch;
  }

  private Future<Void> send(String topic, String key, byte[] value) {
    String because = fencedBecause;
    if (because != null) {
      return Future.failedFuture(new FencedException(because));
    }
    return publisher.send(topic, key, value).mapEmpty();
  }

  /** A write refused because this instance is fenced. */
  public static final class FencedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    FencedException(String because) {
      super("fenced: " + because);
    }
  }

  /** One domain's events, in order: one key, one partition, one idempotent producer keep them in order. */
  Future<Void> events(List<DomainEvent> events) {
    List<Future<?>> sent = events.stream()
        .<Future<?>>map(e -> {
          e.setAgentEpoch(epoch);
          return send(topics.vmEvents(), e.getDomainId(), Codecs.DOMAIN_EVENT.encode(e));
        })
        .toList();
    return Future.all(sent).mapEmpty();
  }

  Future<Void> state(DomainState state) {
    state.setAgentEpoch(epoch);
    return send(topics.vmState(), state.getDomainId(), Codecs.DOMAIN_STATE.encode(state));
  }

  /** The compacted topic forgets an undefined domain. */
  Future<Void> tombstone(String domainId) {
    return send(topics.vmState(), domainId, null);
  }

  Future<Void> status(CommandStatus status) {
    status.setAgentEpoch(epoch);
    return send(topics.commandStatus(), status.getCommandId(), Codecs.COMMAND_STATUS.encode(status));
  }

  public Future<Void> heartbeat(HostStatus status) {
    return send(topics.hostStatus(), status.getHostId(), Codecs.HOST_STATUS.encode(status));
  }
}
