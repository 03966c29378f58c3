package io.virtflow.devstack.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

/** The runner's parts on their own: the load generator, the SSE parser, the client's bearer token. */
class BenchPartsTest {

  @Test
  void failedAndThrowingOperationsAreCountedNotRecorded() {
    LoadGenerator.Run run = LoadGenerator.run(200, Duration.ZERO, Duration.ofMillis(100), seq -> {
      if (seq % 4 == 0) {
        throw new IllegalStateException("boom");
      }
      if (seq % 4 == 1) {
        return CompletableFuture.failedFuture(new IllegalStateException("no answer"));
      }
      return CompletableFuture.completedFuture(seq % 4 == 2);
    });
    assertThat(run.sent()).isEqualTo(20);
    assertThat(run.succeeded()).isEqualTo(5);
    assertThat(run.failed()).isEqualTo(15);
    assertThat(run.latencyMicros().getTotalCount()).isEqualTo(5);
  }

  @Test
  void latencyCountsFromTheIntendedStartSoAStallIsCharged() {
    // The first operation blocks the generator for 200 ms: the ones scheduled meanwhile are late from their slot.
    LoadGenerator.Run run = LoadGenerator.run(100, Duration.ZERO, Duration.ofMillis(100), seq -> {
      if (seq == 0) {
        Bench.sleep(200);
      }
      return CompletableFuture.completedFuture(true);
    });
    assertThat(run.latencyMicros().getMaxValue()).isGreaterThanOrEqualTo(150_000);
  }

  @Test
  void sseParserJoinsDataLinesAndSeesComments() {
    List<String> data = new ArrayList<>();
    int[] comments = {0};
    ApiClient.SseParser parser = new ApiClient.SseParser(data::add, () -> comments[0]++);
    parser.feed(Buffer.buffer(": connected\n\nid: p0-o1\ndata: {\"a\":"));
    parser.feed(Buffer.buffer("1}\n\nid: p0-o2\r\ndata: {\"b\":2}\r\n\r\n"));
    assertThat(data).containsExactly(" {\"a\":1}", " {\"b\":2}");
    assertThat(comments[0]).isEqualTo(1);
  }

  @Test
  void durationsParse() {
    assertThat(BenchCommand.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(BenchCommand.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(BenchCommand.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(BenchCommand.parse("1.5")).isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> BenchCommand.parse("soon")).isInstanceOf(NumberFormatException.class);
  }

  @Test
  void everyCallCarriesTheBearerTokenWhenThereIsOne() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      seen.add(req.path() + " " + req.getHeader("Authorization"));
      if (req.path().equals("/v1/events")) {
        req.response().setChunked(true).putHeader("Content-Type", "text/event-stream").write(": connected\n\n");
      } else {
        req.response().end("{}");
      }
    }).listen(0).await();
    String url = "http://127.0.0.1:" + server.actualPort();
    try {
      for (ApiClient.Transport t : ApiClient.Transport.values()) {
        try (ApiClient withToken = new ApiClient(url, "s3cret", t, 4);
            ApiClient without = new ApiClient(url, null, t, 4)) {
          seen.clear();
          assertThat(withToken.post("/v1/domains", "{}").toCompletableFuture().get(30, TimeUnit.SECONDS).status())
              .isEqualTo(200);
          withToken.sse("/v1/events", d -> { }).toCompletableFuture().get(30, TimeUnit.SECONDS);
          without.get("/v1/hosts").toCompletableFuture().get(30, TimeUnit.SECONDS);
          assertThat(seen).containsExactly("/v1/domains Bearer s3cret", "/v1/events Bearer s3cret", "/v1/hosts null");
        }
      }
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void openStreamsNeverTakeTheConnectionsRequestsNeed() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/v1/events")) {
        req.response().setChunked(true).write(": connected\n\n");
      } else {
        req.response().end("{}");
      }
    }).listen(0).await();
    // Two pooled connections for requests, five streams held open: requests still get through.
    try (ApiClient api = new ApiClient("http://127.0.0.1:" + server.actualPort(), null, ApiClient.Transport.VERTX, 2)) {
      for (int i = 0; i < 5; i++) {
        api.sse("/v1/events", d -> { }).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      }
      assertThat(api.get("/v1/hosts").toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS).status())
          .isEqualTo(200);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void anSseStreamThatIsRefusedFailsWithTheStatus() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(503).end("busy"))
        .listen(0).await();
    try (ApiClient api = new ApiClient("http://127.0.0.1:" + server.actualPort(), null, ApiClient.Transport.VERTX, 1)) {
      assertThatThrownBy(() -> api.sse("/v1/events", d -> { }).toCompletableFuture().join())
          .hasMessageContaining("503").hasMessageContaining("busy");
    } finally {
      vertx.close().await();
    }
  }
}
