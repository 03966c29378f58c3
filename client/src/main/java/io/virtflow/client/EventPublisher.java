package io.virtflow.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;

/**
 * A cold publisher of lifecycle events: each subscriber gets its own reader thread and consumer (no
 * group, every partition) positioned at the requested {@link Position}. The reader polls Kafka only while
 * the subscriber has outstanding demand and the last batch is delivered, so a slow subscriber holds at
 * most one batch in memory. The stream never completes; it ends with {@code cancel()} (which stops the
 * thread and closes the consumer) or {@code onError}.
 */
final class EventPublisher implements Flow.Publisher<LifecycleEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Supplier<Consumer<String, byte[]>> consumers;
  private final String topic;
  private final EventFilter filter;
  private final Position from;

  EventPublisher(Supplier<Consumer<String, byte[]>> consumers, String topic, EventFilter filter, Position from) {
    this.consumers = consumers;
    this.topic = topic;
    this.filter = Objects.requireNonNull(filter, "filter");
    this.from = Objects.requireNonNull(from, "from");
  }

  @Override
  public void subscribe(Flow.Subscriber<? super LifecycleEvent> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    Reader reader = new Reader(subscriber);
    subscriber.onSubscribe(reader);
    Thread t = new Thread(reader, "virtflow-events-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    t.start();
  }

  private final class Reader implements Flow.Subscription, Runnable {
    private final Flow.Subscriber<? super LifecycleEvent> subscriber;
    private final AtomicLong demand = new AtomicLong();
    private final Object signal = new Object();
    private volatile boolean cancelled;
    private volatile IllegalArgumentException badRequest;
    private volatile Consumer<String, byte[]> consumer;

    Reader(Flow.Subscriber<? super LifecycleEvent> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        // Reactive Streams §3.9: signal onError, from the reader thread.
        badRequest = new IllegalArgumentException("request(" + n + "): demand must be positive");
      } else {
        demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      }
      wake();
    }

    @Override
    public void cancel() {
      cancelled = true;
      Consumer<String, byte[]> c = consumer;
      if (c != null) {
        c.wakeup();
      }
      wake();
    }

    private void wake() {
      synchronized (signal) {
        signal.notifyAll();
      }
    }

    @Override
    public void run() {
      Consumer<String, byte[]> c = null;
      try {
        c = consumers.get();
        consumer = c;
        if (cancelled) {
          return;
        }
        Map<Integer, Long> next = position(c);
        ArrayDeque<ConsumerRecord<String, byte[]>> batch = new ArrayDeque<>();
        while (!cancelled) {
          if (badRequest != null) {
            cancelled = true;
            subscriber.onError(badRequest);
            return;
          }
          if (demand.get() == 0) {
            awaitDemand();
          } else if (batch.isEmpty()) {
            c.poll(Duration.ofMillis(500)).forEach(batch::add);
          } else {
            deliver(batch.poll(), next);
          }
        }
      } catch (WakeupException e) {
        if (!cancelled) {
          subscriber.onError(e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        if (!cancelled) {
          LOG.warn("event reader of {} stopped: {}", topic, e.toString());
          cancelled = true;
          subscriber.onError(e);
        }
      } finally {
        if (c != null) {
          c.close(Duration.ofSeconds(2));
        }
      }
    }

    private void awaitDemand() throws InterruptedException {
      synchronized (signal) {
        while (demand.get() == 0 && !cancelled && badRequest == null) {
          signal.wait();
        }
      }
    }

    private void deliver(ConsumerRecord<String, byte[]> r, Map<Integer, Long> next) {
      // The position moves past every record read, delivered or filtered out, so that resuming from the
      // next delivered event's position does not read the skipped ones again.
      next.put(r.partition(), r.offset() + 1);
      DomainEvent event;
      try {
        event = Codecs.DOMAIN_EVENT.decode(r.value());
      } catch (AvroCodec.UndecodableException e) {
        LOG.warn("skipping undecodable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        return;
      }
      if (!filter.test(event)) {
        return;
      }
      if (demand.get() != Long.MAX_VALUE) {
        demand.decrementAndGet();
      }
      subscriber.onNext(new LifecycleEvent(event, Position.of(next), r.partition(), r.offset()));
    }

    private Map<Integer, Long> position(Consumer<String, byte[]> c) {
      List<PartitionInfo> partitions = c.partitionsFor(topic);
      if (partitions == null || partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist: is the namespace right?");
      }
      List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition()))
          .toList();
      c.assign(assigned);
      if (from.isLatest()) {
        c.seekToEnd(assigned);
      } else {
        for (TopicPartition tp : assigned) {
          Long offset = from.nextOffsets().get(tp.partition());
          if (offset == null) {
            c.seekToBeginning(List.of(tp));
          } else {
            c.seek(tp, offset);
          }
        }
      }
      Map<Integer, Long> next = new HashMap<>();
      for (TopicPartition tp : assigned) {
        next.put(tp.partition(), c.position(tp));
      }
      return next;
    }
  }
}
