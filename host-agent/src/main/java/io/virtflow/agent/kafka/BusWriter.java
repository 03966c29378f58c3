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
 */
public final class BusWriter {
  private final Publisher publisher;
  private final Topics topics;

  public BusWriter(Publisher publisher, Topics topics) {
    this.publisher = publisher;
    this.topics = topics;
  }

  /** One domain's events, in order: one key, one partition, one idempotent producer keep them in order. */
  Future<Void> events(List<DomainEvent> events) {
    List<Future<?>> sent = events.stream()
        .<Future<?>>map(e -> publisher.send(topics.vmEvents(), e.getDomainId(), Codecs.DOMAIN_EVENT.encode(e)))
        .toList();
    return Future.all(sent).mapEmpty();
  }

  Future<Void> state(DomainState state) {
    return publisher.send(topics.vmState(), state.getDomainId(), Codecs.DOMAIN_STATE.encode(state)).mapEmpty();
  }

  /** The compacted topic forgets an undefined domain. */
  Future<Void> tombstone(String domainId) {
    return publisher.send(topics.vmState(), domainId, null).mapEmpty();
  }

  Future<Void> status(CommandStatus status) {
    return publisher.send(topics.commandStatus(), status.getCommandId(), Codecs.COMMAND_STATUS.encode(status))
        .mapEmpty();
  }

  public Future<Void> heartbeat(HostStatus status) {
    return publisher.send(topics.hostStatus(), status.getHostId(), Codecs.HOST_STATUS.encode(status)).mapEmpty();
  }
}
