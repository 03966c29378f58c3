package io.virtflow.devstack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import io.vertx.core.json.JsonObject;

/** Follows {@code GET /v1/events} as {@code curl -N} would, collecting each event's id and data. */
final class SseClient implements AutoCloseable {
  record Event(String id, JsonObject data) {
    String typeDetail() {
      return data.getString("type") + "/" + data.getString("detail");
    }
  }

  private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<HttpResponse<Stream<String>>> response;
  private volatile boolean connected;

  /** With the admin token of the dev stack of this JVM at {@code url}. */
  SseClient(String url, String lastEventId) {
    this(url, lastEventId, DevStack.adminTokenOf(url));
  }

  /** With {@code token} as bearer token (null: none). */
  SseClient(String url, String lastEventId, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("accept", "text/event-stream");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    response = HttpClient.newHttpClient().sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines());
    response.thenAccept(r -> {
      Thread t = new Thread(() -> read(r.body()), "sse-test-reader");
      t.setDaemon(true);
      t.start();
    });
  }

  private void read(Stream<String> lines) {
    String[] id = {null};
    StringBuilder data = new StringBuilder();
    try {
      lines.forEach(line -> {
        if (line.startsWith(":")) {
          connected = true;
        } else if (line.startsWith("id:")) {
          id[0] = line.substring(3).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        } else if (line.isEmpty() && data.length() > 0) {
          events.add(new Event(id[0], new JsonObject(data.toString())));
          data.setLength(0);
          id[0] = null;
        }
      });
    } catch (RuntimeException e) {
      // stream closed
    }
  }

  boolean connected() {
    return connected;
  }

  int status() {
    return response.join().statusCode();
  }

  List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  @Override
  public void close() {
    response.thenAccept(r -> r.body().close());
    response.cancel(true);
  }
}
