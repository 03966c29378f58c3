package io.virtflow.devstack.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.vertx.core.json.JsonObject;

/**
 * HTTP as a client of the gateway does it, tolerant of a gateway that is down (status 0: no answer).
 * Sends {@code Authorization: Bearer} when a token is known: {@code -Dvirtflow.test.token}, or the
 * {@code admin.token} file of a data directory (the packaged stack writes one there).
 */
final class Api {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile String base;
  private final String token;

  Api(String base, Path dataDir) {
    this.base = base;
    this.token = tokenFor(dataDir);
  }

  /** A client of an in-process stack, with its admin token. */
  Api(io.virtflow.devstack.DevStack stack) {
    this.base = stack.httpUrl();
    this.token = stack.adminToken();
  }

  /** An answer; status 0 when the gateway did not answer at all. */
  record Answer(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  void rebase(String newBase) {
    this.base = newBase;
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Answer post(String path, String json, String idempotencyKey) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    return send(b);
  }

  Answer delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  boolean healthy() {
    return get("/health").status() == 200;
  }

  private Answer send(HttpRequest.Builder request) {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Answer(0, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String tokenFor(Path dataDir) {
    String fromProperty = System.getProperty("virtflow.test.token");
    if (fromProperty != null) {
      return fromProperty;
    }
    Path file = dataDir == null ? null : dataDir.resolve("admin.token");
    try {
      return file != null && Files.isRegularFile(file) ? Files.readString(file).trim() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
