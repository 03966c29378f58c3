package io.virtflow.platform.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.platform.metrics.Metrics;

import io.vertx.core.Context;
import io.vertx.core.Future;

/**
 * Reads every partition of one topic from chosen positions, without a consumer group: the projections
 * that rebuild a view from a compacted topic, and event streams that resume from a position.
 *
 * <p>Batches reach the handler on the given context, one at a time: the next poll waits until the
 * handler's future completes, so a slow handler (a slow HTTP client) holds the reader back instead of
 * filling memory. {@link #caughtUp()} completes once every partition has been read up to the end it had
 * when the reader started.
 */
public final class TopicReader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicReader.class);

  /** Where to start: {@link #BEGINNING}, {@link #END}, or explicit next offsets per partition. */
  public record Start(Map<Integer, Long> offsets, boolean fromEnd) {
    public static final Start BEGINNING = new Start(Map.of(), false);
    public static final Start END = new Start(Map.of(), true);

    public static Start at(Map<Integer, Long> offsets) {
      return new Start(Map.copyOf(offsets), false);
    }
  }

  @FunctionalInterface
  public interface BatchHandler {
    Future<Void> handle(List<ConsumerRecord<String, byte[]>> batch);
  }

  private final String name;
  private final Consumer<String, byte[]> consumer;
  private final String topic;
  private final Start start;
  private final Context context;
  private final BatchHandler handler;
  private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
  private final CompletableFuture<Map<Integer, Long>> positioned = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean running = true;
  private volatile Throwable failure;
  private Map<TopicPartition, Long> targetEnds = Map.of();

  public TopicReader(String name, Consumer<String, byte[]> consumer, String topic, Start start, Context context,
      BatchHandler handler) {
    this.name = Objects.requireNonNull(name);
    this.consumer = Objects.requireNonNull(consumer);
    this.topic = Objects.requireNonNull(topic);
    this.start = Objects.requireNonNull(start);
    this.context = Objects.requireNonNull(context);
    this.handler = Objects.requireNonNull(handler);
  }

  public TopicReader start() {
    Thread t = new Thread(this::run, "virtflow-read-" + name);
    t.setDaemon(true);
    t.start();
    return this;
  }

  public Future<Void> caughtUp() {
    return Future.fromCompletionStage(caughtUp, context);
  }

  /** The next offset of every partition where reading began: the position before the first batch. */
  public Future<Map<Integer, Long>> startPositions() {
    return Future.fromCompletionStage(positioned, context);
  }

  public Throwable failure() {
    return failure;
  }

  /** Completes when the reader's thread ended: after {@link #stop()}, or when it failed ({@link #failure()}). */
  public Future<Void> ended() {
    return Future.fromCompletionStage(stopped, context);
  }

  public Future<Void> stop() {
    running = false;
    consumer.wakeup();
    return Future.fromCompletionStage(stopped, context);
  }

  @Override
  public void close() {
    stop();
  }

  private void run() {
    // The consumer's meters (lag included) show on /metrics while this thread polls.
    AutoCloseable meters = Metrics.process().bind(consumer);
    try {
      List<TopicPartition> partitions = partitions();
      consumer.assign(partitions);
      if (start.fromEnd()) {
        consumer.seekToEnd(partitions);
      } else {
        consumer.seekToBeginning(partitions);
        for (TopicPartition tp : partitions) {
          Long offset = start.offsets().get(tp.partition());
          if (offset != null) {
            consumer.seek(tp, offset);
          }
        }
      }
      Map<Integer, Long> initial = new HashMap<>();
      for (TopicPartition tp : partitions) {
        initial.put(tp.partition(), consumer.position(tp));
      }
      positioned.complete(initial);
      targetEnds = consumer.endOffsets(partitions);
      checkCaughtUp();
      while (running) {
        ConsumerRecords<String, byte[]> records;
        try {
          records = consumer.poll(Duration.ofMillis(100));
        } catch (WakeupException e) {
          continue;
        } catch (KafkaException e) {
          LOG.warn("{}: read failed, retrying: {}", name, e.toString());
          Thread.sleep(200);
          continue;
        }
        if (!records.isEmpty()) {
          List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
          records.forEach(batch::add);
          CompletableFuture<Void> handled = new CompletableFuture<>();
          context.runOnContext(v -> {
            Future<Void> f;
            try {
              f = handler.handle(batch);
            } catch (RuntimeException e) {
              f = Future.failedFuture(e);
            }
            f.onComplete(ar -> {
              if (ar.failed()) {
                handled.completeExceptionally(ar.cause());
              } else {
                handled.complete(null);
              }
            });
          });
          awaitHandled(handled);
        }
        checkCaughtUp();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (running) {
        failure = e;
        LOG.error("{}: reader stopped: {}", name, e.toString(), e);
        caughtUp.completeExceptionally(e);
        positioned.completeExceptionally(e);
      }
    } finally {
      Metrics.unbind(meters);
      try {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
      } catch (RuntimeException e) {
        LOG.debug("{}: close: {}", name, e.toString());
      }
      if (!positioned.isDone()) {
        positioned.completeExceptionally(new IllegalStateException(name + " stopped before positioning"));
      }
      if (!caughtUp.isDone()) {
        caughtUp.completeExceptionally(new IllegalStateException(name + " stopped before catching up"));
      }
      stopped.complete(null);
    }
  }

  /** Next offsets of every partition now: a position from which a new reader resumes. */
  public static Map<Integer, Long> positionOf(Consumer<String, byte[]> consumer) {
    Map<Integer, Long> out = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      out.put(tp.partition(), consumer.position(tp));
    }
    return out;
  }

  private void awaitHandled(CompletableFuture<Void> handled) throws InterruptedException {
    while (running) {
      try {
        handled.get(200, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        // keep waiting, but notice stop()
      } catch (ExecutionException e) {
        throw new IllegalStateException(name + ": handler failed: " + e.getCause(), e.getCause());
      }
    }
  }

  private void checkCaughtUp() {
    if (caughtUp.isDone()) {
      return;
    }
    for (Map.Entry<TopicPartition, Long> end : targetEnds.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return;
      }
    }
    caughtUp.complete(null);
  }

  private List<TopicPartition> partitions() throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      }
      if (attempt >= 50) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      Thread.sleep(100);
    }
  }
}
