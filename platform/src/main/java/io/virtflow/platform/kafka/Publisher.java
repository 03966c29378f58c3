package io.virtflow.platform.kafka;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.platform.metrics.Metrics;

/**
 * Sends records and answers with a Vert.x {@link Future} completed on the caller's context once Kafka
 * acknowledged the record (acks=all) or gave up on it.
 */
public final class Publisher implements AutoCloseable {
  private final Producer<String, byte[]> producer;
  private final AutoCloseable meters;

  /** Publishes with {@code producer}, whose meters show on the process's /metrics until {@link #close()}. */
  public Publisher(Producer<String, byte[]> producer) {
    this.producer = producer;
    this.meters = Metrics.process().bind(producer);
  }

  public Future<RecordMetadata> send(String topic, String key, byte[] value) {
    return send(new ProducerRecord<>(topic, key, value));
  }

  public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
    CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
    try {
      producer.send(record, (metadata, error) -> {
        if (error != null) {
          done.completeExceptionally(error);
        } else {
          done.complete(metadata);
        }
      });
    } catch (RuntimeException e) {
      // send() itself throws when metadata cannot be had within max.block.ms (broker down).
      done.completeExceptionally(e);
    }
    Context context = Vertx.currentContext();
    return context == null ? Future.fromCompletionStage(done) : Future.fromCompletionStage(done, context);
  }

  /** The underlying producer, for callers that must flush. */
  public Producer<String, byte[]> producer() {
    return producer;
  }

  @Override
  public void close() {
    Metrics.unbind(meters);
    producer.close(java.time.Duration.ofSeconds(5));
  }
}
