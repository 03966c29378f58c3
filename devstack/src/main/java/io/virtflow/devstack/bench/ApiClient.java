package io.virtflow.devstack.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Every HTTP call the benchmark runner makes, SSE streams included, goes through here, so that one place
 * adds {@code Authorization: Bearer <token>} when the runner has a token.
 *
 * <p>Two transports: Vert.x's {@link HttpClient} on an event loop of its own (the default: no thread per
 * request or stream) and the JDK's {@link java.net.http.HttpClient}, kept to compare the two.
 */
public final class ApiClient implements AutoCloseable {
  /** Which HTTP client carries the load. */
  public enum Transport { VERTX, JDK }

  /** One answer. */
  public record Response(int status, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final URI base;
  private final String token;
  private final Transport transport;
  private final Vertx vertx;
  private final HttpClient vertxClient;
  /** SSE streams hold their connection for good: a pool of their own, so they never starve the requests. */
  private final HttpClient streamClient;
  private final java.net.http.HttpClient jdkClient;

  /**
   * @param baseUrl the gateway, e.g. {@code http://127.0.0.1:8080}
   * @param token bearer token for every call, or null to send none
   * @param connections HTTP/1.1 connections kept to the gateway (Vert.x transport)
   */
  public ApiClient(String baseUrl, String token, Transport transport, int connections) {
    this.base = URI.create(baseUrl);
    this.token = token;
    this.transport = transport;
    this.vertx = Vertx.vertx();
    this.vertxClient = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true).setConnectTimeout(5000),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    this.streamClient = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setConnectTimeout(5000),
        new PoolOptions().setHttp1MaxSize(100_000).setMaxWaitQueueSize(-1));
    this.jdkClient = transport == Transport.JDK ? java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build() : null;
  }

  public String baseUrl() {
    return base.toString();
  }

  public CompletionStage<Response> get(String path) {
    return send("GET", path, null);
  }

  public CompletionStage<Response> post(String path, String json) {
    return send("POST", path, json == null ? "{}" : json);
  }

  public CompletionStage<Response> delete(String path) {
    return send("DELETE", path, null);
  }

  /** Sends a request; the stage fails only when no answer came (connection error, timeout). */
  public CompletionStage<Response> send(String method, String path, String json) {
    return transport == Transport.JDK ? sendJdk(method, path, json) : sendVertx(method, path, json);
  }

  private CompletionStage<Response> sendVertx(String method, String path, String json) {
    // Bounded everywhere: a request that waits for a pooled connection, or for an answer, fails after 60 s
    // instead of holding a run forever.
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setURI(path)
        .setIdleTimeout(60_000).setConnectTimeout(60_000);
    if (token != null) {
      options.putHeader("Authorization", "Bearer " + token);
    }
    if (json != null) {
      options.putHeader("Content-Type", "application/json");
    }
    return vertxClient.request(options)
        .compose(req -> json == null ? req.send() : req.send(Buffer.buffer(json)))
        .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), b.toString())))
        .toCompletionStage();
  }

  private CompletionStage<Response> sendJdk(String method, String path, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return jdkClient.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Response(r.statusCode(), r.body()));
  }

  /**
   * Opens {@code GET path} as a Server-Sent Events stream (always on the Vert.x transport: no thread per
   * stream) and hands every complete event's {@code data} text to {@code onData}, on an event loop.
   * The stage completes once the gateway answered 200 and wrote its first comment.
   */
  public CompletionStage<Void> sse(String path, Consumer<String> onData) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setURI(path)
        .putHeader("Accept", "text/event-stream").setIdleTimeout(0);
    if (token != null) {
      options.putHeader("Authorization", "Bearer " + token);
    }
    CompletableFuture<Void> connected = new CompletableFuture<>();
    streamClient.request(options).compose(req -> req.send()).onComplete(ar -> {
      if (ar.failed()) {
        connected.completeExceptionally(ar.cause());
        return;
      }
      var resp = ar.result();
      if (resp.statusCode() != 200) {
        resp.body().onComplete(b -> connected.completeExceptionally(new IllegalStateException(
            "GET " + path + " answered " + resp.statusCode() + ": " + (b.succeeded() ? b.result() : ""))));
        return;
      }
      // Connected once the 200 head is here (the gateway sends it when the stream's reader is in place).
      // Not on the first comment: that chunk can arrive in the same read as the head, before the handler
      // below is set, and then it is gone.
      SseParser parser = new SseParser(onData, () -> { });
      resp.handler(parser::feed);
      resp.exceptionHandler(connected::completeExceptionally);
      connected.complete(null);
    });
    return connected;
  }

  /** Splits an SSE byte stream into events; a comment line counts as "connected". */
  static final class SseParser {
    private final Consumer<String> onData;
    private final Runnable onComment;
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();

    SseParser(Consumer<String> onData, Runnable onComment) {
      this.onData = onData;
      this.onComment = onComment;
    }

    void feed(Buffer chunk) {
      String text = chunk.toString();
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\n') {
          endLine();
        } else if (c != '\r') {
          line.append(c);
        }
      }
    }

    private void endLine() {
      if (line.length() == 0) {
        if (data.length() > 0) {
          String event = data.toString();
          data.setLength(0);
          onData.accept(event);
        }
      } else if (line.charAt(0) == ':') {
        onComment.run();
      } else if (line.indexOf("data:") == 0) {
        data.append(line, 5, line.length());
      }
      line.setLength(0);
    }
  }

  @Override
  public void close() {
    vertxClient.close();
    streamClient.close();
    vertx.close();
  }
}
