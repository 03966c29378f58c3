package io.virtflow.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.Codecs;

/**
 * The client's one reader of {@code command.status}: every partition, no consumer group, from the end as
 * it was when the reader started. A command is registered before it is sent, and the reader is positioned
 * before the first send, so no terminal status can slip past between the two.
 */
final class StatusReader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusReader.class);

  private final Consumer<String, byte[]> consumer;
  private final String topic;
  private final Map<String, CompletableFuture<CommandOutcome>> waiting = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final Thread thread;
  private volatile boolean closed;

  StatusReader(Consumer<String, byte[]> consumer, String topic) {
    this.consumer = consumer;
    this.topic = topic;
    this.thread = new Thread(this::run, "virtflow-client-status");
    thread.setDaemon(true);
    thread.start();
  }

  /** Completes once the reader is positioned at the end of every partition. */
  CompletableFuture<Void> ready() {
    return ready;
  }

  /** Completes {@code outcome} with the command's first terminal status read from now on. */
  void register(String commandId, CompletableFuture<CommandOutcome> outcome) {
    CompletableFuture<CommandOutcome> earlier = waiting.putIfAbsent(commandId, outcome);
    if (earlier != null) {
      // The same id submitted twice while the first waits: the door answers both with one outcome.
      earlier.whenComplete((o, e) -> {
        if (e != null) {
          outcome.completeExceptionally(e);
        } else {
          outcome.complete(o);
        }
      });
      return;
    }
    if (closed) {
      waiting.remove(commandId, outcome);
      outcome.completeExceptionally(new IllegalStateException("the client is closed"));
    }
  }

  void forget(String commandId, CompletableFuture<CommandOutcome> outcome) {
    waiting.remove(commandId, outcome);
  }

  private void run() {
    try {
      position();
      while (!closed) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          handle(r);
        }
      }
    } catch (WakeupException e) {
      if (!closed) {
        fail(e);
      }
    } catch (RuntimeException | Error e) {
      LOG.error("command status reader of {} stopped: {}", topic, e.toString(), e);
      fail(e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void position() {
    List<PartitionInfo> partitions = consumer.partitionsFor(topic);
    if (partitions == null || partitions.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist: is the namespace right, and the "
          + "gateway started?");
    }
    List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(assigned);
    consumer.seekToEnd(assigned);
    // seekToEnd is lazy: asking for the positions makes them real before anything is sent.
    assigned.forEach(consumer::position);
    ready.complete(null);
  }

  private void handle(ConsumerRecord<String, byte[]> r) {
    CommandStatus status;
    try {
      status = Codecs.COMMAND_STATUS.decode(r.value());
    } catch (AvroCodec.UndecodableException e) {
      LOG.warn("skipping undecodable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
      return;
    }
    if (!CommandOutcome.isTerminal(status.getStatus())) {
      return;
    }
    CompletableFuture<CommandOutcome> outcome = waiting.remove(status.getCommandId());
    if (outcome != null) {
      outcome.complete(CommandOutcome.of(status));
    }
  }

  private void fail(Throwable e) {
    ready.completeExceptionally(e);
    IllegalStateException stopped = new IllegalStateException("command status reader stopped: " + e, e);
    waiting.values().forEach(f -> f.completeExceptionally(stopped));
    waiting.clear();
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    IllegalStateException gone = new IllegalStateException("the client is closed");
    ready.completeExceptionally(gone);
    waiting.values().forEach(f -> f.completeExceptionally(gone));
    waiting.clear();
  }
}
