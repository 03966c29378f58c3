package io.virtflow.gateway.kafka;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.gateway.domain.EventRing;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;

/**
 * The gateway's one live reader of {@code vm.events}: it reads from the end of the topic, decodes each
 * record once into an {@link EventRing} of the last {@code capacity} records, and wakes the event streams
 * that follow it. It never waits for a stream (a slow one falls out of the ring and is told so by its
 * stream), so its memory is the ring's, whatever the clients do.
 *
 * <p>Started by the first stream that needs it; if its reader fails, every follower is told
 * ({@link Follower#tailFailed}) and the next stream starts a new tail. Everything runs on the gateway's
 * context.
 */
public final class EventTail {
  private static final Logger LOG = LoggerFactory.getLogger(EventTail.class);

  /** A stream following the tail. */
  public interface Follower {
    /** New records are in the ring. */
    void wake();

    /** The tail's reader stopped: the follower ends its stream (its client resumes with its last id). */
    void tailFailed(Throwable cause);
  }

  private final EventReaders readers;
  private final Context context;
  private final int capacity;
  private final Set<Follower> followers = new LinkedHashSet<>();
  private volatile TopicReader reader;
  private Future<EventRing<DomainEvent>> ring;

  public EventTail(EventReaders readers, Context context, int capacity) {
    this.readers = readers;
    this.context = context;
    this.capacity = capacity;
  }

  /** The ring, once the tail is reading (started now if it is not). */
  public Future<EventRing<DomainEvent>> ring() {
    if (ring == null) {
      ring = start();
    }
    return ring;
  }

  public void follow(Follower f) {
    followers.add(f);
  }

  public void unfollow(Follower f) {
    followers.remove(f);
  }

  /** Whether a reader is open (tests and metrics: one per gateway, however many streams). */
  public boolean reading() {
    return reader != null;
  }

  /** Each reader fills a ring of its own: a batch of a failed reader still in flight cannot reach its successor's. */
  private Future<EventRing<DomainEvent>> start() {
    AtomicReference<EventRing<DomainEvent>> own = new AtomicReference<>();
    return readers.open("gateway-events-tail", TopicReader.Start.END, context, batch -> {
      append(own.get(), batch);
      return Future.succeededFuture();
    }).compose(r -> {
      reader = r;
      // Asked for before start(): the ring exists before the first batch reaches append().
      Future<EventRing<DomainEvent>> positioned = r.startPositions().map(start -> {
        own.set(new EventRing<>(capacity, start));
        return own.get();
      });
      r.start();
      watch(r);
      return positioned;
    }).onFailure(this::failed);
  }

  /**
   * Appends a batch, waking the followers at least every half ring: a batch larger than the ring must not
   * push records out before a follower that keeps up had the chance to write them.
   */
  private void append(EventRing<DomainEvent> ring, List<ConsumerRecord<String, byte[]>> batch) {
    int sinceWake = 0;
    int wakeEvery = Math.max(1, capacity / 2);
    for (ConsumerRecord<String, byte[]> rec : batch) {
      if (sinceWake++ == wakeEvery) {
        wakeAll();
        sinceWake = 1;
      }
      DomainEvent event = null;
      try {
        event = Codecs.DOMAIN_EVENT.decode(rec.value());
      } catch (AvroCodec.UndecodableException e) {
        SkippedRecords.skip(LOG, "event tail", rec, e.getMessage());
      }
      ring.append(rec.partition(), rec.offset(), event);
    }
    wakeAll();
  }

  private void wakeAll() {
    for (Follower f : List.copyOf(followers)) {
      f.wake();
    }
  }

  /** A reader that ends without being told to (it failed) ends the tail. */
  private void watch(TopicReader r) {
    r.ended().onComplete(v -> {
      if (reader == r) {
        failed(r.failure() != null ? r.failure() : new IllegalStateException("the event tail's reader ended"));
      }
    });
  }

  private void failed(Throwable cause) {
    LOG.warn("event tail stopped: {}", cause.toString());
    TopicReader r = reader;
    reader = null;
    ring = null;
    if (r != null) {
      r.stop();
    }
    for (Follower f : List.copyOf(followers)) {
      f.tailFailed(cause);
    }
    followers.clear();
  }

  public Future<Void> stop() {
    TopicReader r = reader;
    reader = null;
    ring = null;
    followers.clear();
    return r == null ? Future.succeededFuture() : r.stop();
  }
}
