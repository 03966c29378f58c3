package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.Define;
import io.virtflow.schema.Topics;

/**
 * Kafka down: 503 within the send budget, and nothing accepted. Runs on a broker of its own (not the
 * shared fixture), which it stops and starts again.
 */
class KafkaUnavailableTest {
  private Path dir;
  private EmbeddedKafka broker;
  private BusConfig bus;
  private TestAgent agent;
  private RunningGateway gw;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("virtflow-gw-outage");
    broker = EmbeddedKafka.start(dir.resolve("log"), 0);
    bus = new BusConfig(broker.bootstrapServers(), new Topics("outage"), 1, (short) 1, 1);
    try (Admin admin = Admin.create(KafkaSettings.admin(bus.bootstrap(), "outage-admin"))) {
      new TopicAdmin(bus).ensureSharedTopics(admin);
      agent = TestAgent.start(bus, admin, "h1");
    }
    agent.heartbeat();
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.KAFKA_SEND_TIMEOUT_MS, "1500",
        GatewayConfig.HOST_DOWN_AFTER_MS, "600000"));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
  }

  @AfterEach
  void tearDown() {
    if (gw != null) {
      gw.close();
    }
    agent.close();
    broker.close();
  }

  @Test
  void withKafkaDownACommandIs503AndNothingIsAccepted() {
    assertThat(gw.post("/v1/domains", "{\"name\":\"before\",\"vcpus\":1,\"memoryMiB\":64}").status()).isEqualTo(202);

    broker.close();
    long t0 = System.nanoTime();
    RunningGateway.Answer start = gw.post("/v1/domains/before/start", null);
    RunningGateway.Answer define = gw.post("/v1/domains", "{\"name\":\"during\",\"vcpus\":1,\"memoryMiB\":64}");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    for (RunningGateway.Answer a : List.of(start, define)) {
      assertThat(a.status()).as(a.toString()).isEqualTo(503);
      assertThat(a.contentType()).isEqualTo("application/problem+json");
      assertThat(a.json().getString("code")).isEqualTo("INTERNAL");
      assertThat(a.json().getString("detail")).contains("nothing was accepted");
    }
    assertThat(took).isLessThan(Duration.ofSeconds(12));
    assertThat(gw.get("/health").status()).isEqualTo(503);
    assertThat(gw.get("/health").json().getJsonObject("checks").getJsonObject("producer").getString("status"))
        .isEqualTo("DOWN");

    broker = broker.restart();
    List<Command> onTopic = TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1")).stream()
        .map(r -> Codecs.COMMAND.decode(r.value())).toList();
    assertThat(onTopic).singleElement().satisfies(c -> assertThat(((Define) c.getPayload()).getName())
        .isEqualTo("before"));
    assertThat(TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus())).hasSize(1);

    // The refused define left its name free, and the gateway recovers once Kafka is back.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> gw.post("/v1/domains", "{\"name\":\"during\",\"vcpus\":1,\"memoryMiB\":64}").status() == 202);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/health").status() == 200);
  }
}
