package io.virtflow.gateway.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.StreamPosition;
import io.virtflow.gateway.kafka.EventReaders;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.EventType;
import io.virtflow.schema.Topics;

/**
 * {@code GET /v1/events}: the lifecycle events of {@code vm.events} as Server-Sent Events. Each client
 * has its own reader, from the end of the topic or from the position in {@code Last-Event-ID} (header,
 * or {@code lastEventId} query parameter). Every event's {@code id} is the position right after it, over
 * all partitions, so a reconnecting client gets exactly the events after the last one it saw.
 *
 * <p>Backpressure: the reader polls its next batch only once the previous one is written and the
 * connection's write queue has drained, so a slow client holds back its own reader, not the gateway's
 * memory: a stream holds at most one poll batch beyond the connection's write-queue mark. A client that
 * leaves the queue full for longer than {@code maxStall} is too slow: it gets a last event
 * {@code event: overflow} whose {@code id} is the position after everything it was sent (so its
 * {@code Last-Event-ID} after reading it resumes exactly there), the response ends, and the connection is
 * closed once that is flushed, or after a grace period if it never is.
 */
final class EventStreams {
  private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);
  static final String LAST_EVENT_ID = "Last-Event-ID";
  private static final Set<String> PARAMS = Set.of("domain", "host", "type", "lastEventId");

  private final Vertx vertx;
  private final Context context;
  private final EventReaders readers;
  private final int max;
  private final Duration heartbeat;
  private final Duration maxStall;
  private final Set<Stream> open = new HashSet<>();
  private final Function<String, String> projectOf;

  EventStreams(Vertx vertx, Context context, EventReaders readers, int max, Duration heartbeat,
      Function<String, String> projectOf, Duration maxStall) {
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
    readers.open(start, context, stream::onBatch).onComplete(ar -> {
      if (ar.failed()) {
        stream.fail(ar.cause());
      } else {
        stream.attach(ar.result());
      }
    });
  }

  /** Ends every stream (the gateway stops); clients reconnect with their last event id. */
  Future<Void> closeAll() {
    List<Future<Void>> stopped = new ArrayList<>();
    for (Stream s : new ArrayList<>(open)) {
      stopped.add(s.close());
    }
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

  /** One client's stream. */
  private final class Stream {
    private final io.vertx.core.http.HttpServerRequest request;
    private final HttpServerResponse response;
    private final Filter filter;
    private final Promise<Void> ready = Promise.promise();
    private final Map<Integer, Long> positions = new TreeMap<>();
    private TopicReader reader;
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

    void attach(TopicReader r) {
      reader = r;
      if (closed) {
        // The client left while its reader was being built: run it just long enough to close its consumer.
        r.start();
        r.stop();
        return;
      }
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
        // Every record moves the position, shown or not: the next shown event's id covers the skipped ones.
        positions.put(rec.partition(), rec.offset() + 1);
        DomainEvent event;
        try {
          event = Codecs.DOMAIN_EVENT.decode(rec.value());
        } catch (AvroCodec.UndecodableException e) {
          LOG.warn("event stream: skipping undecodable record {}-{}@{}: {}", rec.topic(), rec.partition(),
              rec.offset(), e.getMessage());
          continue;
        }
        if (filter.matches(event)) {
          response.write("id: " + StreamPosition.format(positions) + "\ndata: "
              + Renderings.event(event).encode() + "\n\n");
        }
      }
      if (!response.writeQueueFull()) {
        return Future.succeededFuture();
      }
      drained = Promise.promise();
      stallTimer = vertx.setTimer(maxStall.toMillis(), t -> tooSlow());
      response.drainHandler(v -> {
        vertx.cancelTimer(stallTimer);
        if (drained != null) {
          drained.tryComplete();
        }
      });
      return drained.future();
    }

    /** The write queue stayed full for maxStall: say where to resume, end, and let the connection go. */
    private void tooSlow() {
      if (closed) {
        return;
      }
      String resumeAt = StreamPosition.format(positions);
      LOG.info("event stream: client {} too slow (write queue full for {} ms); disconnecting at {}",
          request.remoteAddress(), maxStall.toMillis(), resumeAt);
      response.write("event: overflow\nid: " + resumeAt + "\ndata: "
          + new io.vertx.core.json.JsonObject().put("reason", "client too slow: the stream's write queue stayed full for "
              + maxStall.toMillis() + " ms").put("lastEventId", resumeAt).encode() + "\n\n");
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
      }
      return stopped == null ? Future.succeededFuture() : stopped;
    }
  }
}
