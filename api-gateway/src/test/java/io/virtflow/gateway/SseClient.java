package io.virtflow.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.vertx.core.json.JsonObject;

/** TEST FIXTURE — a Server-Sent Events client: collects events (id + JSON data) and comment lines. */
final class SseClient implements AutoCloseable {
  /** One event. */
  record Event(String id, JsonObject data) {
    String eventId() {
      return data.getString("eventId");
    }
  }

  final int status;
  final String errorBody;
  final String contentType;
  private final InputStream in;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  final List<String> comments = new CopyOnWriteArrayList<>();
  private final CountDownLatch resume;

  private SseClient(HttpResponse<InputStream> response, boolean paused) throws IOException {
    this.status = response.statusCode();
    this.contentType = response.headers().firstValue("Content-Type").orElse(null);
    this.in = response.body();
    this.resume = new CountDownLatch(paused ? 1 : 0);
    if (status != 200) {
      this.errorBody = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return;
    }
    this.errorBody = null;
    Thread t = new Thread(this::read, "sse-client");
    t.setDaemon(true);
    t.start();
  }

  /** Connects; returns once the response head arrived (the gateway sends it once its reader is positioned). */
  static SseClient open(RunningGateway gw, String pathAndQuery, String lastEventId, boolean paused) {
    return open(gw, pathAndQuery, lastEventId, paused, TestKeys.ADMIN);
  }

  /** With {@code token} as the bearer token (null: none). */
  static SseClient open(RunningGateway gw, String pathAndQuery, String lastEventId, boolean paused, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.base.resolve(pathAndQuery)).header("Accept", "text/event-stream");
    if (token != null) {
      b.header("Authorization", RunningGateway.bearer(token));
    }
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    try {
      return new SseClient(gw.client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream()), paused);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static SseClient open(RunningGateway gw, String pathAndQuery) {
    return open(gw, pathAndQuery, null, false);
  }

  void resume() {
    resume.countDown();
  }

  private void read() {
    try {
      resume.await();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String id = null;
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            events.add(new Event(id, new JsonObject(data.toString())));
          }
          id = null;
          data.setLength(0);
        } else if (line.startsWith(":")) {
          comments.add(line.substring(1).trim());
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    } catch (IOException | InterruptedException e) {
      // closed
    }
  }

  /** The next {@code n} events, failing if they do not all come within {@code within}. */
  List<Event> take(int n, Duration within) {
    List<Event> out = new ArrayList<>();
    long deadline = System.nanoTime() + within.toNanos();
    while (out.size() < n) {
      long left = deadline - System.nanoTime();
      Event e;
      try {
        e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(ex);
      }
      if (e == null) {
        throw new AssertionError("got " + out.size() + " of " + n + " events within " + within + ": " + out);
      }
      out.add(e);
    }
    return out;
  }

  /** Events that arrive within {@code quiet}; for "nothing more came" checks. */
  List<Event> drain(Duration quiet) {
    List<Event> out = new ArrayList<>();
    try {
      Event e;
      while ((e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
        out.add(e);
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // already closed
    }
    resume.countDown();
  }
}
