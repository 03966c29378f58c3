package io.virtflow.gateway.kafka;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.KafkaConsumer;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.platform.vertx.Blocking;

/**
 * Opens one {@link TopicReader} on {@code vm.events} per event-stream client. The consumer is built on
 * a worker (its constructor resolves the bootstrap addresses); the reader is returned not yet started.
 */
public final class EventReaders {
  private final String bootstrap;
  private final String topic;
  private final Blocking blocking;
  private final AtomicLong sequence = new AtomicLong();

  public EventReaders(String bootstrap, String topic, Blocking blocking) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.blocking = blocking;
  }

  public Future<TopicReader> open(TopicReader.Start start, Context context, TopicReader.BatchHandler handler) {
    String name = "gateway-events-" + sequence.incrementAndGet();
    return blocking.run(() -> new KafkaConsumer<String, byte[]>(KafkaSettings.reader(bootstrap, name)))
        .map(consumer -> new TopicReader(name, consumer, topic, start, context, handler));
  }
}
