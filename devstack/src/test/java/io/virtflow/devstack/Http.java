package io.virtflow.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A small HTTP client for end-to-end tests: what a user with curl would do. It sends a bearer token: by
 * default the admin token of the dev stack of this JVM at {@code base} ({@link DevStack#adminToken()});
 * {@link #withToken} gives a client with another token, or with none ({@code null}).
 */
final class Http {
  // HTTP/1.1, as curl speaks to an http:// URL. The JDK's default (HTTP/2 via an h2c upgrade) once misread
  // a multi-megabyte /metrics answer of a Vert.x server as HTTP/2 frames in the middle of the body.
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String token;

  Http(String base) {
    this(base, DevStack.adminTokenOf(base));
  }

  Http(String base, String token) {
    this.base = base;
    this.token = token;
  }

  /** The same gateway with another bearer token (null: no Authorization header). */
  Http withToken(String otherToken) {
    return new Http(base, otherToken);
  }

  record Answer(int status, String body, HttpResponse<String> raw) {
    JsonObject json() {
      return new JsonObject(body);
    }

    JsonArray array() {
      return new JsonArray(body);
    }
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Answer post(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Answer delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  /** Posts and waits for the command to end; returns the final status document. */
  JsonObject run(String path, String json) {
    Answer accepted = json == null ? delete(path) : post(path, json);
    if (accepted.status() != 202) {
      throw new AssertionError(path + " answered " + accepted.status() + ": " + accepted.body());
    }
    return waitFor(accepted.json().getString("commandId"));
  }

  JsonObject waitFor(String commandId) {
    long until = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < until) {
      JsonObject status = get("/v1/commands/" + commandId + "?waitMs=5000").json();
      if (!"ACCEPTED".equals(status.getString("status")) && !"RUNNING".equals(status.getString("status"))) {
        return status;
      }
    }
    throw new AssertionError("command " + commandId + " did not end within 30 s");
  }

  private Answer send(HttpRequest.Builder request) {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
