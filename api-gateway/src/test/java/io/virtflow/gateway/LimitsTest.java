package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;

/**
 * Limits: a per-principal rate limit (429 with Retry-After), the body limit on every POST route (413),
 * and the request time limit (503 TIMEOUT), which neither a long poll nor an event stream is cut by.
 */
class LimitsTest {
  private static BusConfig bus;
  private static TestAgent agent;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    // Completes nothing: commands stay ACCEPTED, so long polls wait their whole time.
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").heartbeatEvery(Duration.ofMillis(500));
  }

  @AfterAll
  static void tearDown() {
    agent.close();
  }

  @Test
  void overItsRateAPrincipalGets429WithRetryAfterAndOthersAreNotHeldBack() {
    try (RunningGateway gw = RunningGateway.start(bus, Map.of(GatewayConfig.RATE_LIMIT_PER_SEC, "5"))) {
      String busy = RunningGateway.bearer(TestKeys.token("busy-" + UUID.randomUUID(), Role.VIEWER, "p"));
      long t0 = System.nanoTime();
      List<CompletableFuture<RunningGateway.Answer>> burst = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        burst.add(gw.getAsync("/v1/domains", "Authorization", busy));
      }
      List<RunningGateway.Answer> answers = burst.stream().map(CompletableFuture::join).toList();
      long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds() + 1;
      List<RunningGateway.Answer> limited = answers.stream().filter(a -> a.status() == 429).toList();
      assertThat(answers).allMatch(a -> a.status() == 200 || a.status() == 429);
      // At most 5 permits in each second the burst touched (it may start late in one).
      assertThat(answers.size() - limited.size()).isLessThanOrEqualTo((int) (5 * (seconds + 1)));
      assertThat(limited).isNotEmpty();
      RunningGateway.Answer one = limited.get(0);
      assertThat(one.contentType()).startsWith("application/problem+json");
      assertThat(one.json().getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(Long.parseLong(one.header("Retry-After"))).isBetween(1L, 2L);
      // Another principal has its own limit.
      assertThat(gw.get("/v1/domains").status()).isEqualTo(200);
      // Limited requests are audited as such.
      String name = "busy-";
      await().atMost(Duration.ofSeconds(15)).until(() -> TopicProbe.readAll(bus.bootstrap(), bus.topics().audit())
          .stream().map(r -> Codecs.AUDIT_RECORD.decode(r.value()))
          .filter(r -> r.getPrincipal().startsWith(name) && "RATE_LIMITED".equals(r.getOutcome())).count()
          == limited.size());
    }
  }

  @Test
  void everyPostRouteRefusesABodyOverTheLimitWith413() {
    try (RunningGateway gw = RunningGateway.start(bus, Map.of(GatewayConfig.MAX_BODY_BYTES, "1024"))) {
      String big = "{\"pad\":\"" + "x".repeat(4096) + "\"}";
      String cmd = UUID.randomUUID().toString();
      for (String path : List.of("/v1/domains", "/v1/domains/d/start", "/v1/domains/d/shutdown",
          "/v1/domains/d/reboot", "/v1/domains/d/destroy", "/v1/domains/d/suspend", "/v1/domains/d/resume",
          "/v1/domains/d/snapshots", "/v1/domains/d/snapshots/reconcile", "/v1/domains/d/snapshots/s/revert",
          "/v1/commands/" + cmd + "/cancel")) {
        RunningGateway.Answer a = gw.post(path, big);
        assertThat(a.status()).as(path + " " + a).isEqualTo(413);
        assertThat(a.json().getString("code")).isEqualTo("INVALID_ARG");
      }
      assertThat(gw.post("/v1/domains/d/start", big, "Authorization", "").status())
          .as("without a token the body is never read: 401 first").isEqualTo(401);
    }
  }

  @Test
  void aRequestOverTheTimeLimitIs503TimeoutButALongPollAndAStreamRunTheirOwnTime() {
    try (RunningGateway gw = RunningGateway.start(bus, Map.of(GatewayConfig.REQUEST_TIMEOUT_MS, "300",
        GatewayConfig.MAX_WAIT_MS, "5000", GatewayConfig.EVENT_HEARTBEAT_MS, "200"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
      RunningGateway.Answer defined = gw.post("/v1/domains", "{\"name\":\"slow-" + UUID.randomUUID().toString()
          .substring(0, 8) + "\",\"vcpus\":1,\"memoryMiB\":64}");
      assertThat(defined.status()).isEqualTo(202);
      String commandId = defined.json().getString("commandId");

      // A long poll of 1.5 s: longer than the request limit, within its own (the wait plus the limit).
      long t0 = System.nanoTime();
      RunningGateway.Answer polled = gw.get("/v1/commands/" + commandId + "?waitMs=1500");
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(polled.status()).as(polled.toString()).isEqualTo(200);
      assertThat(polled.json().getString("status")).isEqualTo("ACCEPTED");
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1500));

      // An event stream outlives the limit: keep-alives keep coming on an open 200 stream.
      SseClient stream = SseClient.open(gw, "/v1/events");
      try {
        assertThat(stream.status).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> stream.comments.stream()
            .filter(c -> c.equals("keep-alive")).count() >= 5);
      } finally {
        stream.close();
      }
    }
  }

  @Test
  void aRequestThatWaitsOnKafkaLongerThanTheLimitIs503Timeout() throws Exception {
    // A broker of its own, stopped under the gateway: the command write waits for the send timeout (2 s),
    // the request limit (200 ms) answers first.
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("virtflow-gw-timeout");
    io.virtflow.platform.broker.EmbeddedKafka broker = io.virtflow.platform.broker.EmbeddedKafka.start(
        dir.resolve("log"), 0);
    BusConfig own = new BusConfig(broker.bootstrapServers(), new io.virtflow.schema.Topics("timeout"), 1, (short) 1, 1);
    TestAgent host;
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        io.virtflow.platform.kafka.KafkaSettings.admin(own.bootstrap(), "timeout-admin"))) {
      new io.virtflow.platform.kafka.TopicAdmin(own).ensureSharedTopics(admin);
      host = TestAgent.start(own, admin, "h1");
    }
    host.heartbeat();
    try (RunningGateway gw = RunningGateway.start(own, Map.of(GatewayConfig.REQUEST_TIMEOUT_MS, "200",
        GatewayConfig.KAFKA_SEND_TIMEOUT_MS, "2000", GatewayConfig.HOST_DOWN_AFTER_MS, "600000"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
      host.close();
      broker.close();
      RunningGateway.Answer a = gw.post("/v1/domains", "{\"name\":\"late\",\"vcpus\":1,\"memoryMiB\":64}");
      assertThat(a.status()).as(a.toString()).isEqualTo(503);
      assertThat(a.contentType()).startsWith("application/problem+json");
      assertThat(a.json().getString("code")).isEqualTo("TIMEOUT");
      // Reads from memory still answer: neither the dead bus nor its failing audit writes make them fail.
      assertThat(gw.get("/v1/domains").status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway.audit().failed() > 0);
      assertThat(gw.get("/v1/domains").status()).isEqualTo(200);
    }
  }
}
