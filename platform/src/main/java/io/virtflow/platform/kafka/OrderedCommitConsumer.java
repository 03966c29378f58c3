package io.virtflow.platform.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidOffsetException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.platform.metrics.Metrics;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The one Kafka consumer adapter of virtflow (DESIGN §9): a poll thread per consumer hands each record,
 * in partition order, to a handler on a Vert.x context, and commits a partition's offset only up to the
 * last record whose effect is done, with every earlier record of that partition done too.
 *
 * <ul>
 *   <li>A record whose value cannot be decoded goes to the dead-letter topic with the reason, and counts
 *       as done once the dead-letter write is acknowledged.
 *   <li>A handler whose future fails is called again for the same record after a capped backoff: a
 *       failed future means "not done yet" (Kafka unreachable, say), never "drop it". Handlers turn their
 *       own domain errors into outcomes and so must be idempotent.
 *   <li>At most {@code maxInFlight} records are handed out and not done: past that the consumer pauses.
 *   <li>Authorization and authentication failures stop the consumer loudly ({@link #failure()}).
 *   <li>A static member ({@code group.instance.id}) replaced by a newer member with the same instance id
 *       stops quietly: {@link #failure()} is the {@link FencedInstanceIdException}, logged in one line.
 *   <li>{@link #stop()} leaves the group, static member or not, so the partitions move at once;
 *       {@link #stopWithoutLeaving()} does not, as a crashed process would not.
 * </ul>
 *
 * @param <T> the decoded value type
 */
public final class OrderedCommitConsumer<T> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OrderedCommitConsumer.class);
  private static final Duration POLL = Duration.ofMillis(50);
  private static final long MAX_BACKOFF_MS = 5_000;

  /** What to do with one decoded record. The returned future completes when its effect is done. */
  @FunctionalInterface
  public interface Handler<T> {
    Future<Void> handle(ConsumerRecord<String, byte[]> record, T value);
  }

  private final String name;
  private final Consumer<String, byte[]> consumer;
  private final Collection<String> topics;
  private final Context context;
  private final BiFunction<String, byte[], T> decoder;
  private final Handler<T> handler;
  private final DeadLetters deadLetters;
  private final int maxInFlight;

  private final Map<TopicPartition, PartitionLog> logs = new HashMap<>();
  private final ConcurrentLinkedQueue<Done> completions = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CompletableFuture<Void> assigned = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean running = true;
  private volatile Throwable failure;
  private volatile CloseOptions.GroupMembershipOperation onClose = CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
  private volatile java.util.function.Consumer<Throwable> failureListener = e -> { };
  private Thread thread;
  private boolean paused;

  public OrderedCommitConsumer(String name, Consumer<String, byte[]> consumer, Collection<String> topics,
      Context context, Function<byte[], T> decoder, Handler<T> handler, DeadLetters deadLetters, int maxInFlight) {
    this(name, consumer, topics, context, decodeAny(decoder), handler, deadLetters, maxInFlight);
  }

  /**
   * A consumer of several topics whose values are of different kinds: {@code decoder} receives the record's
   * topic with its value, and throws for a value it cannot decode (which is then dead-lettered).
   */
  public OrderedCommitConsumer(String name, Consumer<String, byte[]> consumer, Collection<String> topics,
      Context context, BiFunction<String, byte[], T> decoder, Handler<T> handler, DeadLetters deadLetters,
      int maxInFlight) {
    this.name = Objects.requireNonNull(name);
    this.consumer = Objects.requireNonNull(consumer);
    this.topics = List.copyOf(topics);
    this.context = Objects.requireNonNull(context);
    this.decoder = Objects.requireNonNull(decoder);
    this.handler = Objects.requireNonNull(handler);
    this.deadLetters = Objects.requireNonNull(deadLetters);
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be positive");
    }
    this.maxInFlight = maxInFlight;
  }

  private static <T> BiFunction<String, byte[], T> decodeAny(Function<byte[], T> decoder) {
    Objects.requireNonNull(decoder);
    return (topic, bytes) -> decoder.apply(bytes);
  }

  /** Starts the poll thread. The future completes once the group gave this consumer its partitions. */
  public Future<Void> start() {
    thread = new Thread(this::run, "virtflow-poll-" + name);
    thread.setDaemon(true);
    thread.start();
    return Future.fromCompletionStage(assigned, context);
  }

  /**
   * Called once, on the poll thread, if the consumer stops on its own (authorization, fenced static
   * member); set before {@link #start()}.
   */
  public OrderedCommitConsumer<T> onFailure(java.util.function.Consumer<Throwable> listener) {
    this.failureListener = Objects.requireNonNull(listener);
    return this;
  }

  /** Why the consumer stopped on its own, or null while it runs. */
  public Throwable failure() {
    return failure;
  }

  public boolean isRunning() {
    return running && failure == null;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Stops polling, commits what is done, leaves the group and closes the consumer. */
  public Future<Void> stop() {
    return stop(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
  }

  /**
   * Stops as {@link #stop()} does but stays in the group, as a killed process would: a static member's
   * partitions then wait for the next member with the same {@code group.instance.id} (or for the session
   * timeout). For a simulated crash.
   */
  public Future<Void> stopWithoutLeaving() {
    return stop(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
  }

  private Future<Void> stop(CloseOptions.GroupMembershipOperation membership) {
    if (failure == null) {
      // A replaced static member is no member any more: it keeps the REMAIN_IN_GROUP it was given.
      onClose = membership;
    }
    running = false;
    consumer.wakeup();
    if (thread == null) {
      stopped.complete(null);
    }
    return Future.fromCompletionStage(stopped, context);
  }

  @Override
  public void close() {
    stop();
    try {
      stopped.get();
    } catch (Exception e) {
      LOG.warn("{}: error while stopping: {}", name, e.toString());
    }
  }

  private void run() {
    // The consumer's meters (lag included) show on /metrics while this thread polls.
    AutoCloseable meters = Metrics.process().bind(consumer);
    long backoffMs = 100;
    try {
      consumer.subscribe(topics, new Rebalance());
      while (running) {
        try {
          applyCompletions();
          commitDone(false);
          flowControl();
          ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
          if (!assigned.isDone() && !consumer.assignment().isEmpty()) {
            assigned.complete(null);
          }
          for (ConsumerRecord<String, byte[]> record : records) {
            dispatch(record);
          }
          backoffMs = 100;
        } catch (WakeupException e) {
          // stop() or a completion woke us: loop around.
        } catch (AuthorizationException | AuthenticationException | InvalidOffsetException
            | FencedInstanceIdException e) {
          throw e;
        } catch (KafkaException e) {
          LOG.warn("{}: retriable Kafka error, backing off {} ms: {}", name, backoffMs, e.toString());
          sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
      }
      applyCompletions();
      commitDone(true);
    } catch (FencedInstanceIdException e) {
      // Expected when a newer instance took over this member's place: no stack trace, the owner decides.
      failure = e;
      onClose = CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP;
      LOG.warn("{}: consumer stopped: a newer member with the same group.instance.id replaced it ({})", name,
          e.getMessage());
      assigned.completeExceptionally(e);
      notifyFailure(e);
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("{}: consumer stopped: {}", name, e.toString(), e);
      assigned.completeExceptionally(e);
      notifyFailure(e);
    } finally {
      Metrics.unbind(meters);
      try {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)).withGroupMembershipOperation(onClose));
      } catch (RuntimeException e) {
        LOG.warn("{}: close failed: {}", name, e.toString());
      }
      stopped.complete(null);
    }
  }

  private void notifyFailure(Throwable e) {
    try {
      failureListener.accept(e);
    } catch (RuntimeException listenerFailure) {
      LOG.warn("{}: failure listener failed: {}", name, listenerFailure.toString());
    }
  }

  private void dispatch(ConsumerRecord<String, byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    PartitionLog log = logs.computeIfAbsent(tp, k -> new PartitionLog());
    log.add(record.offset());
    inFlight.incrementAndGet();
    context.runOnContext(v -> process(record, log, 0));
  }

  private void process(ConsumerRecord<String, byte[]> record, PartitionLog log, int attempt) {
    Future<Void> effect;
    T value;
    try {
      value = decoder.apply(record.topic(), record.value());
    } catch (RuntimeException e) {
      effect = deadLetters.park(record, e.getMessage());
      effect.onComplete(ar -> finish(record, log, ar.failed() ? ar.cause() : null, attempt, true));
      return;
    }
    try {
      effect = handler.handle(record, value);
    } catch (RuntimeException e) {
      effect = Future.failedFuture(e);
    }
    effect.onComplete(ar -> finish(record, log, ar.failed() ? ar.cause() : null, attempt, false));
  }

  private void finish(ConsumerRecord<String, byte[]> record, PartitionLog log, Throwable error, int attempt,
      boolean deadLetter) {
    if (error == null) {
      completions.add(new Done(log, record.offset()));
      return;
    }
    if (!running) {
      // Not done, and we are stopping: leave it uncommitted, the next owner gets it again.
      inFlight.decrementAndGet();
      return;
    }
    long delay = Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 6));
    LOG.warn("{}: {} of {}-{}@{} failed (attempt {}), again in {} ms: {}", name,
        deadLetter ? "dead-lettering" : "handling", record.topic(), record.partition(), record.offset(),
        attempt + 1, delay, error.toString());
    context.owner().setTimer(delay, id -> process(record, log, attempt + 1));
  }

  private void applyCompletions() {
    Done done;
    while ((done = completions.poll()) != null) {
      done.log.markDone(done.offset);
      inFlight.decrementAndGet();
    }
  }

  private void commitDone(boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    logs.forEach((tp, log) -> {
      long next = log.takeCommittable();
      if (next >= 0) {
        offsets.put(tp, new OffsetAndMetadata(next));
      }
    });
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      consumer.commitSync(offsets);
    } else {
      consumer.commitAsync(offsets, (o, e) -> {
        if (e != null) {
          LOG.debug("{}: async commit failed, a later commit covers it: {}", name, e.toString());
        }
      });
    }
  }

  private void flowControl() {
    boolean full = inFlight.get() >= maxInFlight;
    if (full && !paused) {
      consumer.pause(consumer.assignment());
      paused = true;
    } else if (!full && paused) {
      consumer.resume(consumer.assignment());
      paused = false;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      applyCompletions();
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (TopicPartition tp : partitions) {
        PartitionLog log = logs.remove(tp);
        if (log != null) {
          log.revoked = true;
          long next = log.takeCommittable();
          if (next >= 0) {
            offsets.put(tp, new OffsetAndMetadata(next));
          }
        }
      }
      if (!offsets.isEmpty()) {
        try {
          consumer.commitSync(offsets);
        } catch (KafkaException e) {
          LOG.warn("{}: commit on revoke failed: {}", name, e.toString());
        }
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        PartitionLog log = logs.remove(tp);
        if (log != null) {
          log.revoked = true;
        }
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (paused) {
        consumer.pause(partitions);
      }
      if (!partitions.isEmpty()) {
        assigned.complete(null);
      }
    }
  }

  private record Done(PartitionLog log, long offset) {
  }

  /** The offsets of one partition handed out and not yet committed, in order. Poll-thread only. */
  private static final class PartitionLog {
    private final ArrayDeque<long[]> pending = new ArrayDeque<>(); // {offset, done ? 1 : 0}
    private final Map<Long, long[]> byOffset = new HashMap<>();
    private boolean revoked;

    void add(long offset) {
      long[] entry = {offset, 0};
      pending.addLast(entry);
      byOffset.put(offset, entry);
    }

    void markDone(long offset) {
      if (revoked) {
        return;
      }
      long[] entry = byOffset.remove(offset);
      if (entry != null) {
        entry[1] = 1;
      }
    }

    /** The offset to commit (last contiguous done + 1), or -1 when nothing new is done. */
    long takeCommittable() {
      long next = -1;
      while (!pending.isEmpty() && pending.peekFirst()[1] == 1) {
        next = pending.pollFirst()[0] + 1;
      }
      return next;
    }
  }
}
