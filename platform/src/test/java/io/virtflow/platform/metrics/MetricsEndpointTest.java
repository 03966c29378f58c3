package io.virtflow.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.vertx.core.Vertx;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.health.HealthServer;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.Publisher;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.platform.testing.KafkaFixture;

/** {@code GET /metrics} next to {@code /health}, as Prometheus scrapes it. */
class MetricsEndpointTest {
  private static Vertx vertx;
  private static int port;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void serve() throws Exception {
    vertx = Vertx.vertx();
    port = HealthServer.start(vertx, new Health("metrics-test"), "127.0.0.1", 0).await(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsAreServedInThePrometheusTextFormatWithJvmMeters() throws Exception {
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct ->
        assertThat(ct).startsWith("text/plain; version=0.0.4"));
    assertThat(r.body()).contains("jvm_memory_used_bytes{").contains("jvm_threads_live_threads")
        .contains("jvm_gc_").contains("process_uptime_seconds");
    assertThat(get("/health").statusCode()).isEqualTo(200);
    assertThat(get("/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void everyPublisherShowsItsProducerMetersUntilItIsClosed() throws Exception {
    BusConfig bus = KafkaFixture.freshBus();
    String clientId = "metrics-test-producer";
    Publisher publisher = new Publisher(new KafkaProducer<>(KafkaSettings.producer(bus, clientId, 10_000)));
    publisher.send(bus.topics().vmEvents(), "k", new byte[] {1}).await(10, TimeUnit.SECONDS);
    assertThat(get("/metrics").body()).containsPattern("kafka_producer_record_send_total\\{[^}]*client_id=\"" + clientId + "\"");
    publisher.close();
    assertThat(get("/metrics").body()).doesNotContain("client_id=\"" + clientId + "\"");
  }

  @Test
  void aTopicReaderShowsItsConsumerMetersAndLag() throws Exception {
    BusConfig bus = KafkaFixture.freshBus();
    String clientId = "metrics-test-reader";
    try (Publisher p = new Publisher(new KafkaProducer<>(KafkaSettings.producer(bus, "metrics-test-writer", 10_000)))) {
      p.send(bus.topics().vmState(), "k", new byte[] {1}).await(10, TimeUnit.SECONDS);
    }
    TopicReader reader = new TopicReader("metrics", new KafkaConsumer<>(KafkaSettings.reader(bus, clientId)),
        bus.topics().vmState(), TopicReader.Start.BEGINNING, vertx.getOrCreateContext(), records -> io.vertx.core.Future.succeededFuture())
        .start();
    try {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(get("/metrics").body())
              .containsPattern("kafka_consumer_fetch_manager_records_lag_max\\{[^}]*client_id=\"" + clientId + "\""));
    } finally {
      reader.close();
    }
  }

  @Test
  void aBoundCircuitBreakerShowsItsState() throws Exception {
    CircuitBreaker breaker = CircuitBreaker.of("driver-metrics-test", CircuitBreakerConfig.ofDefaults());
    Metrics.process().bind(breaker);
    assertThat(get("/metrics").body()).contains(
        "resilience4j_circuitbreaker_state{name=\"driver-metrics-test\",state=\"closed\"} 1.0");
    breaker.transitionToOpenState();
    assertThat(get("/metrics").body()).contains(
        "resilience4j_circuitbreaker_state{name=\"driver-metrics-test\",state=\"open\"} 1.0");
    // The same name bound again (an agent restarted in this JVM) shows the new breaker.
    CircuitBreaker again = CircuitBreaker.of("driver-metrics-test", CircuitBreakerConfig.ofDefaults());
    Metrics.process().bind(again);
    assertThat(get("/metrics").body()).contains(
        "resilience4j_circuitbreaker_state{name=\"driver-metrics-test\",state=\"closed\"} 1.0");
    assertThat(List.of(again.getState())).containsExactly(CircuitBreaker.State.CLOSED);
  }
}
