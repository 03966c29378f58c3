package io.virtflow.gateway.kafka;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.KafkaConsumer;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.platform.vertx.Blocking;

/**
 * Opens {@link TopicReader}s on {@code vm.events}: the gateway's shared live tail ({@link EventTail}), and
 * one per event-stream client that resumes from a position older than the tail holds. The consumer is built on
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
    return open("gateway-events-" + sequence.incrementAndGet(), start, context, handler);
  }

  public Future<TopicReader> open(String name, TopicReader.Start start, Context context,
      TopicReader.BatchHandler handler) {
    return blocking.run(() -> new KafkaConsumer<String, byte[]>(KafkaSettings.reader(bootstrap, name)))
        .map(consumer -> new TopicReader(name, consumer, topic, start, context, handler));
  }
}
