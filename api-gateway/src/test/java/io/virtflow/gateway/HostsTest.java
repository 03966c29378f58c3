package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/**
 * Hosts: UP while heartbeats are fresh, DOWN when they stop or the agent says so; listed for every role, with
 * the drivers' facts and messages for admins only.
 */
class HostsTest {
  private static BusConfig bus;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.HOST_DOWN_AFTER_MS, "1500"));
  }

  @AfterAll
  static void tearDown() {
    gw.close();
  }

  private static JsonObject host(String id) {
    return gw.get("/v1/hosts").json().getJsonArray("hosts").stream().map(JsonObject.class::cast)
        .filter(h -> h.getString("hostId").equals(id)).findFirst().orElse(null);
  }

  @Test
  void aHostIsUpWhileItBeatsAndDownSoonAfterItStops() {
    try (TestAgent agent = TestAgent.start(bus, KafkaFixture.admin(), "beat-1").capacity(32_768, 4_096)) {
      agent.heartbeatEvery(Duration.ofMillis(300));
      await().atMost(Duration.ofSeconds(10)).until(() -> host("beat-1") != null);
      JsonObject h = host("beat-1");
      assertThat(h.getString("status")).isEqualTo("UP");
      assertThat(h.getJsonObject("capacity").getLong("memoryMiB")).isEqualTo(32_768);
      assertThat(h.getJsonObject("capacity").getInteger("vcpus")).isEqualTo(64);
      assertThat(h.getLong("memoryMiBUsed")).isEqualTo(4_096);
      assertThat(h.getLong("memoryMiBFree")).isEqualTo(28_672);
      assertThat(h.getLong("agentEpoch")).isEqualTo(1);
      assertThat(h.getInteger("domainCount")).isZero();
      assertThat(Instant.parse(h.getString("lastHeartbeat"))).isAfter(Instant.now().minusSeconds(5));
      // Stays UP across several heartbeat intervals.
      await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3))
          .until(() -> "UP".equals(host("beat-1").getString("status")));

      agent.stopHeartbeats();
      long stopped = System.nanoTime();
      await().atMost(Duration.ofSeconds(5)).until(() -> "DOWN".equals(host("beat-1").getString("status")));
      assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isGreaterThan(Duration.ofMillis(800));
    }
  }

  @Test
  void everyRoleListsTheHostsButOnlyAnAdminSeesTheirDriversFactsAndMessages() {
    try (TestAgent agent = TestAgent.start(bus, KafkaFixture.admin(), "roles-1").capacity(16_384, 2_048)) {
      agent.driver(false, "cannot connect to qemu+ssh://root@10.0.0.5/system: no route to host",
          Map.of("uri", "qemu+ssh://root@10.0.0.5/system", "imageDir", "/srv/images", "foreignDomains", "3"))
          .images("vmlinuz").heartbeatEvery(Duration.ofMillis(300));
      await().atMost(Duration.ofSeconds(10)).until(() -> host("roles-1") != null);
      JsonObject full = host("roles-1");
      assertThat(full.getString("driverMessage")).contains("10.0.0.5");
      assertThat(full.getJsonObject("driverFacts").getString("uri")).isEqualTo("qemu+ssh://root@10.0.0.5/system");
      assertThat(full.getLong("heartbeatAgeMs")).isBetween(0L, 5_000L);

      for (Role role : List.of(Role.VIEWER, Role.OPERATOR)) {
        // A token of no project at all: hosts belong to no project.
        RunningGateway.Answer a = gw.get("/v1/hosts", "Authorization", RunningGateway.bearer(TestKeys.token("r", role)));
        assertThat(a.status()).as(role.claim()).isEqualTo(200);
        assertThat(a.body()).doesNotContain("10.0.0.5").doesNotContain("/srv/images");
        JsonObject h = a.json().getJsonArray("hosts").stream().map(JsonObject.class::cast)
            .filter(x -> x.getString("hostId").equals("roles-1")).findFirst().orElseThrow();
        assertThat(h.containsKey("driverFacts")).isFalse();
        assertThat(h.containsKey("driverMessage")).isFalse();
        assertThat(h.getString("status")).isEqualTo("UP");
        assertThat(h.getString("driver")).isEqualTo("test");
        assertThat(h.getBoolean("driverConnected")).isFalse();
        assertThat(h.getString("driverBreaker")).isEqualTo("CLOSED");
        assertThat(h.getInteger("queuedCommands")).isZero();
        assertThat(h.getJsonObject("capacity").getLong("memoryMiB")).isEqualTo(16_384);
        assertThat(h.getLong("memoryMiBUsed")).isEqualTo(2_048);
        assertThat(h.getJsonArray("images")).containsExactly("vmlinuz");
        assertThat(h.getLong("heartbeatAgeMs")).isNotNegative();
      }
    }
  }

  @Test
  void aHostIsDownAtOnceWhenItsAgentSaysSo() {
    try (TestAgent agent = TestAgent.start(bus, KafkaFixture.admin(), "bye-1")) {
      agent.heartbeat();
      await().atMost(Duration.ofSeconds(10)).until(() -> host("bye-1") != null && "UP".equals(host("bye-1")
          .getString("status")));
      agent.sayDown();
      await().atMost(Duration.ofSeconds(1)).until(() -> "DOWN".equals(host("bye-1").getString("status")));
    }
  }

  @Test
  void anOldHeartbeatReadAfterTheFactIsDown() {
    try (TestAgent agent = TestAgent.start(bus, KafkaFixture.admin(), "stale-1")) {
      agent.heartbeatAt(Instant.now().minusSeconds(3600));
      await().atMost(Duration.ofSeconds(10)).until(() -> host("stale-1") != null);
      assertThat(host("stale-1").getString("status")).isEqualTo("DOWN");
    }
  }
}
