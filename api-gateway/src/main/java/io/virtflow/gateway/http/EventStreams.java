package io.virtflow.gateway.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.virtflow.gateway.domain.DomainRef;
import io.virtflow.gateway.domain.EventRing;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.StreamPosition;
import io.virtflow.gateway.kafka.EventReaders;
import io.virtflow.gateway.kafka.EventTail;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.EventType;
import io.virtflow.schema.Topics;

/**
 * {@code GET /v1/events}: the lifecycle events of {@code vm.events} as Server-Sent Events, from now or
 * from the position in {@code Last-Event-ID} (header, or {@code lastEventId} query parameter). Every
 * event's {@code id} is the position right after it, over all partitions, so a reconnecting client gets
 * exactly the events after the last one it saw.
 *
 * <p>Two sources. A stream from now, or resuming from a position the gateway's {@link EventTail} still
 * holds, follows the tail: one shared reader and ring for all of them, each stream only a cursor. A stream
 * resuming from an older position gets a reader of its own.
 *
 * <p>Backpressure, bounded memory. A stream writes only while its connection's write queue is below its
 * mark; then it waits for the queue to drain. A client that leaves the queue full for longer than
 * {@code maxStall}, or (on the tail) falls so far behind that the ring no longer holds its next record, is
 * too slow: it gets a last event {@code event: overflow} whose {@code id} is the position after everything
 * it was sent (so its {@code Last-Event-ID} after reading it resumes exactly there), the response ends,
 * and the connection is closed once that is flushed, or after a grace period if it never is. A private
 * reader polls its next batch only once the previous one is written, so it holds at most one poll batch.
 */
final class EventStreams {
  private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);
  static final String LAST_EVENT_ID = "Last-Event-ID";
  private static final Set<String> PARAMS = Set.of("domain", "host", "type", "lastEventId");

  private final Vertx vertx;
  private final Context context;
  private final EventReaders readers;
  private final EventTail tail;
  private final int max;
  private final Duration heartbeat;
  private final Duration maxStall;
  private final Set<Stream> open = new HashSet<>();
  private final AtomicInteger privateReaders = new AtomicInteger();
  private final Function<String, String> projectOf;

  EventStreams(Vertx vertx, Context context, EventReaders readers, int max, Duration heartbeat,
      Function<String, String> projectOf, Duration maxStall, int tailRecords) {
    this.tail = new EventTail(readers, context, tailRecords);
    this.projectOf = projectOf;
    this.maxStall = maxStall;
    this.vertx = vertx;
    this.context = context;
    this.readers = readers;
    this.max = max;
    this.heartbeat = heartbeat;
  }

  /** Which events a client asked for, and may see (the principal's projects' domains only). */
  private record Filter(String domain, String host, Set<EventType> types, Principal principal,
      Function<String, String> projectOf) {
    boolean matches(DomainEvent e) {
      if (!principal.sees(projectOf.apply(e.getDomainId()))) {
        return false;
      }
      if (domain != null) {
        boolean hit = DomainRef.isUuid(domain) ? DomainRef.canonicalId(domain).equals(e.getDomainId())
            : domain.equals(e.getDomainName());
        if (!hit) {
          return false;
        }
      }
      return (host == null || host.equals(e.getHostId())) && (types.isEmpty() || types.contains(e.getType()));
    }
  }

  int openCount() {
    return open.size();
  }

  /** Streams that have a Kafka reader of their own (resumed from before what the tail holds). */
  int privateReaders() {
    return privateReaders.get();
  }

  /** Whether the shared tail is reading. */
  boolean tailReading() {
    return tail.reading();
  }

  void handle(RoutingContext ctx) {
    Params.only(ctx, PARAMS);
    Filter filter = filter(ctx);
    TopicReader.Start start = start(ctx);
    if (open.size() >= max) {
      throw new ApiError(503, FailureCode.BUSY, null, "too many event streams are open (" + max + "); retry later");
    }
    Stream stream = new Stream(ctx.request(), ctx.response(), filter);
    open.add(stream);
    ctx.response().closeHandler(v -> stream.close());
    tail.ring().onComplete(ar -> {
      if (stream.closed) {
        return;
      }
      if (ar.succeeded() && stream.follow(ar.result(), start)) {
        return;
      }
      // Older than the tail holds (or the tail cannot read now): a reader of its own.
      readers.open(start, context, stream::onBatch).onComplete(opened -> {
        if (opened.failed()) {
          stream.fail(opened.cause());
        } else {
          stream.attach(opened.result());
        }
      });
    });
  }

  /** Ends every stream (the gateway stops); clients reconnect with their last event id. */
  Future<Void> closeAll() {
    List<Future<Void>> stopped = new ArrayList<>();
    for (Stream s : new ArrayList<>(open)) {
      stopped.add(s.close());
    }
    stopped.add(tail.stop());
    return Future.join(stopped).mapEmpty();
  }

  private Filter filter(RoutingContext ctx) {
    String host = Params.string(ctx, "host");
    if (host != null && !Topics.isValidHostId(host)) {
      throw ApiError.badParameter("host", "'" + host + "' is not a host id");
    }
    Set<EventType> types = new HashSet<>();
    String type = Params.string(ctx, "type");
    if (type != null) {
      for (String t : type.split(",", -1)) {
        try {
          types.add(EventType.valueOf(t.trim()));
        } catch (IllegalArgumentException e) {
          throw ApiError.badParameter("type", "'" + t + "' is not an event type (one of "
              + Arrays.toString(EventType.values()) + ")");
        }
      }
    }
    return new Filter(Params.string(ctx, "domain"), host, types, Guard.principal(ctx), projectOf);
  }

  private static TopicReader.Start start(RoutingContext ctx) {
    String header = ctx.request().getHeader(LAST_EVENT_ID);
    String query = Params.string(ctx, "lastEventId");
    String position = header != null && !header.isBlank() ? header.trim() : query;
    if (position == null) {
      return TopicReader.Start.END;
    }
    String field = header != null && !header.isBlank() ? LAST_EVENT_ID : "lastEventId";
    Map<Integer, Long> offsets = StreamPosition.parse(position).orElseThrow(() -> ApiError.badParameter(field,
        "'" + position + "' is not an event id of this stream (expected p<partition>-o<offset>, joined by '.')"));
    return TopicReader.Start.at(offsets);
  }

  /** One client's stream: a cursor on the shared tail, or a reader of its own. */
  private final class Stream implements EventTail.Follower {
    private final io.vertx.core.http.HttpServerRequest request;
    private final HttpServerResponse response;
    private final Filter filter;
    private final Promise<Void> ready = Promise.promise();
    private final Map<Integer, Long> positions = new TreeMap<>();
    private TopicReader reader;
    private EventRing<DomainEvent> ring;
    private Map<Integer, Long> resumeAt;
    private long cursor;
    private boolean waitingForDrain;
    private long heartbeatTimer = -1;
    private long stallTimer = -1;
    private Promise<Void> drained;
    private boolean closed;
    private Future<Void> stopped;

    Stream(io.vertx.core.http.HttpServerRequest request, HttpServerResponse response, Filter filter) {
      this.request = request;
      this.response = response;
      this.filter = filter;
    }

    /**
     * Follows the tail from now, or from {@code start} if the ring holds everything after it; false if it
     * does not (the caller gives the stream a reader of its own).
     */
    boolean follow(EventRing<DomainEvent> shared, TopicReader.Start start) {
      if (start.fromEnd()) {
        cursor = shared.next();
        positions.putAll(shared.current());
      } else {
        var from = shared.startFor(start.offsets());
        if (from.isEmpty()) {
          return false;
        }
        cursor = from.get();
        resumeAt = start.offsets();
        positions.putAll(start.offsets());
      }
      ring = shared;
      tail.follow(this);
      begin();
      ready.tryComplete();
      wake();
      return true;
    }

    /** Writes what the ring holds past the cursor, as long as the connection takes it. */
    @Override
    public void wake() {
      if (closed) {
        return;
      }
      if (cursor < ring.oldest()) {
        // Also while it waits for its queue to drain: the ring, not the timer, bounds how far behind it gets.
        tooSlow("it fell more than the gateway's " + (ring.next() - ring.oldest()) + " buffered events behind");
        return;
      }
      if (waitingForDrain) {
        return;
      }
      while (cursor < ring.next()) {
        EventRing.Entry<DomainEvent> e = ring.get(cursor++);
        if (resumeAt != null && !EventRing.after(e, resumeAt)) {
          continue;
        }
        emit(e.partition(), e.offset(), e.value());
        if (response.writeQueueFull()) {
          waitingForDrain = true;
          awaitDrain().onComplete(v -> {
            waitingForDrain = false;
            wake();
          });
          return;
        }
      }
    }

    @Override
    public void tailFailed(Throwable cause) {
      LOG.warn("event stream: the shared reader stopped ({}); ending the stream at {}", cause.toString(),
          StreamPosition.format(positions));
      close();
    }

    /** The answer's head and the keep-alive comments. */
    private void begin() {
      response.setStatusCode(200).setChunked(true)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-cache")
          .putHeader("X-Accel-Buffering", "no");
      response.write(": connected\n\n");
      heartbeatTimer = vertx.setPeriodic(heartbeat.toMillis(), t -> {
        if (!closed) {
          response.write(": keep-alive\n\n");
        }
      });
    }

    void attach(TopicReader r) {
      if (closed) {
        // The client left while its reader was being built: run it just long enough to close its consumer.
        r.start();
        r.stop();
        return;
      }
      reader = r;
      privateReaders.incrementAndGet();
      // Asked for before start(): the positions are then handed over before the first batch.
      r.startPositions().onComplete(ar -> {
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        if (closed) {
          return;
        }
        positions.putAll(ar.result());
        begin();
        ready.tryComplete();
      });
      r.start();
    }

    Future<Void> onBatch(List<ConsumerRecord<String, byte[]>> batch) {
      return closed ? Future.succeededFuture() : ready.future().compose(v -> write(batch));
    }

    private Future<Void> write(List<ConsumerRecord<String, byte[]>> batch) {
      if (closed) {
        return Future.succeededFuture();
      }
      for (ConsumerRecord<String, byte[]> rec : batch) {
        DomainEvent event = null;
        try {
          event = Codecs.DOMAIN_EVENT.decode(rec.value());
        } catch (AvroCodec.UndecodableException e) {
          SkippedRecords.skip(LOG, "event stream", rec, e.getMessage());
        }
        emit(rec.partition(), rec.offset(), event);
      }
      return response.writeQueueFull() ? awaitDrain() : Future.succeededFuture();
    }

    /** Every record moves the position, shown or not: the next shown event's id covers the skipped ones. */
    private void emit(int partition, long offset, DomainEvent event) {
      positions.put(partition, offset + 1);
      if (event != null && filter.matches(event)) {
        response.write("id: " + StreamPosition.format(positions) + "\ndata: "
            + Renderings.event(event).encode() + "\n\n");
      }
    }

    /** Completes when the write queue drained; a client that keeps it full for maxStall is too slow. */
    private Future<Void> awaitDrain() {
      drained = Promise.promise();
      stallTimer = vertx.setTimer(maxStall.toMillis(), t -> tooSlow("the stream's write queue stayed full for "
          + maxStall.toMillis() + " ms"));
      response.drainHandler(v -> {
        vertx.cancelTimer(stallTimer);
        if (drained != null) {
          drained.tryComplete();
        }
      });
      return drained.future();
    }

    /** The client cannot keep up: say where to resume, end, and let the connection go. */
    private void tooSlow(String why) {
      if (closed) {
        return;
      }
      String resumeAt = StreamPosition.format(positions);
      LOG.info("event stream: client {} too slow ({}); disconnecting at {}", request.remoteAddress(), why, resumeAt);
      response.write("event: overflow\nid: " + resumeAt + "\ndata: "
          + new io.vertx.core.json.JsonObject().put("reason", "client too slow: " + why)
              .put("lastEventId", resumeAt).encode() + "\n\n");
      var connection = request.connection();
      // Closed once the last event is flushed, or after a grace (another maxStall, at least 5 s) if the client
      // never reads it; until then the stream holds only what was already queued.
      long force = vertx.setTimer(Math.max(maxStall.toMillis(), 5_000), t -> connection.close());
      response.end().onComplete(ar -> {
        vertx.cancelTimer(force);
        connection.close();
      });
      close();
    }

    void fail(Throwable cause) {
      LOG.warn("event stream could not start: {}", cause.toString());
      Problems.send(response, 503, FailureCode.INTERNAL, null, "the event stream cannot be read from Kafka now");
      close();
    }

    Future<Void> close() {
      if (closed) {
        return stopped == null ? Future.succeededFuture() : stopped;
      }
      closed = true;
      open.remove(this);
      tail.unfollow(this);
      if (heartbeatTimer >= 0) {
        vertx.cancelTimer(heartbeatTimer);
      }
      if (stallTimer >= 0) {
        vertx.cancelTimer(stallTimer);
      }
      if (drained != null) {
        drained.tryComplete();
      }
      // A batch waiting for the stream to be ready is let go (write() sees the stream closed).
      ready.tryComplete();
      if (!response.closed() && !response.ended() && response.headWritten()) {
        response.end();
      }
      if (reader != null) {
        stopped = reader.stop();
        privateReaders.decrementAndGet();
      }
      return stopped == null ? Future.succeededFuture() : stopped;
    }
  }
}
