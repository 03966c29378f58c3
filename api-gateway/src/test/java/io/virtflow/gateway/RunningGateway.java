package io.virtflow.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;

/**
 * TEST FIXTURE — one gateway on its own Vert.x, started on a free port against a test bus, with a small
 * HTTP client (java.net.http, HTTP/1.1) that sends {@link TestKeys#ADMIN} as its bearer token unless a
 * request names its own {@code Authorization} header (an empty value: no header at all).
 */
final class RunningGateway implements AutoCloseable {
  final Vertx vertx;
  final ApiGateway gateway;
  final URI base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** One answer. */
  record Answer(int status, HttpResponse<String> response) {
    String body() {
      return response.body();
    }

    JsonObject json() {
      return new JsonObject(response.body());
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }

    String contentType() {
      return header("Content-Type");
    }

    @Override
    public String toString() {
      return status + " " + response.body();
    }
  }

  private RunningGateway(Vertx vertx, ApiGateway gateway) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.base = URI.create("http://127.0.0.1:" + gateway.httpPort());
  }

  static Map<String, String> env(BusConfig bus, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put(BusConfig.BOOTSTRAP, bus.bootstrap());
    env.put(BusConfig.NAMESPACE, bus.topics().namespace());
    env.put(BusConfig.PARTITIONS, Integer.toString(bus.partitions()));
    env.put(BusConfig.REPLICATION, "1");
    env.put(GatewayConfig.HTTP_HOST, "127.0.0.1");
    env.put(GatewayConfig.HTTP_PORT, "0");
    env.put(GatewayConfig.JWT_PUBLIC_KEY, TestKeys.PUBLIC_PEM);
    env.putAll(overrides);
    return env;
  }

  static RunningGateway start(BusConfig bus) {
    return start(bus, Map.of());
  }

  static RunningGateway start(BusConfig bus, Map<String, String> overrides) {
    Vertx vertx = Vertx.vertx();
    try {
      ApiGateway gw = ApiGateway.start(vertx, GatewayConfig.from(env(bus, overrides)), Clock.systemUTC(),
          UUID::randomUUID).await(60, TimeUnit.SECONDS);
      return new RunningGateway(vertx, gw);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("gateway did not start: " + e, e);
    }
  }

  Answer get(String path, String... headers) {
    return send(builder(path, headers).GET());
  }

  /** The default token's header, for requests built by hand. */
  static String bearer(String token) {
    return "Bearer " + token;
  }

  Answer post(String path, String body, String... headers) {
    return send(builder(path, headers).POST(body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json"));
  }

  Answer delete(String path, String... headers) {
    return send(builder(path, headers).DELETE());
  }

  CompletableFuture<Answer> postAsync(String path, String body, String... headers) {
    return http.sendAsync(builder(path, headers).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Answer(r.statusCode(), r));
  }

  CompletableFuture<Answer> getAsync(String path, String... headers) {
    return http.sendAsync(builder(path, headers).GET().build(),
        HttpResponse.BodyHandlers.ofString()).thenApply(r -> new Answer(r.statusCode(), r));
  }

  HttpClient client() {
    return http;
  }

  private HttpRequest.Builder builder(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    boolean ownAuth = false;
    for (int i = 0; i + 1 < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase("Authorization")) {
        ownAuth = true;
        if (headers[i + 1] == null || headers[i + 1].isEmpty()) {
          continue;
        }
      }
      b.header(headers[i], headers[i + 1]);
    }
    if (!ownAuth) {
      b.header("Authorization", bearer(TestKeys.ADMIN));
    }
    return b;
  }

  Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      gateway.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      vertx.close();
    }
  }
}
