package io.virtflow.platform.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.vertx.core.Future;

/**
 * Parks a record that cannot be processed on the dead-letter topic: the original key and bytes, with
 * headers naming where it came from and why it was refused.
 */
public final class DeadLetters {
  public static final String SOURCE_TOPIC = "virtflow.dlq.source.topic";
  public static final String SOURCE_PARTITION = "virtflow.dlq.source.partition";
  public static final String SOURCE_OFFSET = "virtflow.dlq.source.offset";
  public static final String ERROR = "virtflow.dlq.error";
  public static final String CONSUMER = "virtflow.dlq.consumer";

  private final Publisher publisher;
  private final String topic;
  private final String consumerName;

  public DeadLetters(Publisher publisher, String topic, String consumerName) {
    this.publisher = publisher;
    this.topic = topic;
    this.consumerName = consumerName;
  }

  public Future<Void> park(ConsumerRecord<String, byte[]> record, String reason) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(SOURCE_TOPIC, utf8(record.topic()));
    headers.add(SOURCE_PARTITION, utf8(Integer.toString(record.partition())));
    headers.add(SOURCE_OFFSET, utf8(Long.toString(record.offset())));
    headers.add(ERROR, utf8(reason == null ? "unknown" : reason));
    headers.add(CONSUMER, utf8(consumerName));
    return publisher.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers)).mapEmpty();
  }

  public String topic() {
    return topic;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
