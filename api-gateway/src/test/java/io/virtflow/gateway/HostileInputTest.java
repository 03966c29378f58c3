package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/**
 * Hostile names and path parameters: each is refused with a 4xx problem before anything is published
 * (path confinement on the host itself is the agent's, tested by its {@code Pool} tests).
 */
class HostileInputTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus, java.util.Map.of(GatewayConfig.MAX_BODY_BYTES, "65536"));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
    agent.existingDomain("plain");
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/plain").status() == 200);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
  }

  private static final List<String> HOSTILE = List.of("../x", "..", ".", "a/b", "/etc/passwd", "a\u0000b", "a\nb",
      "a\rb", "evil\u202Egpj.exe", "\u0661\u0662\u0663", "caf\u00e9", "a b", "a;rm -rf", "$(id)", "<name>",
      "x".repeat(10 * 1024), "-leading-dash", "%2e%2e", "");

  @Test
  void hostileDomainNamesAreRefusedAndNothingIsPublished() {
    for (String name : HOSTILE) {
      String body = new JsonObject().put("name", name).put("vcpus", 1).put("memoryMiB", 64).encode();
      RunningGateway.Answer a = gw.post("/v1/domains", body);
      assertThat(a.status()).as("[%s] %s", abbreviate(name), a).isEqualTo(400);
      assertThat(a.json().getString("code")).isEqualTo("INVALID_ARG");
      assertThat(a.json().getString("field")).isEqualTo("name");
    }
    assertThat(agent.commands()).isEmpty();
  }

  @Test
  void hostileSnapshotNamesAreRefused() {
    for (String name : HOSTILE) {
      String body = new JsonObject().put("name", name).put("kind", "INTERNAL").encode();
      RunningGateway.Answer a = gw.post("/v1/domains/plain/snapshots", body);
      assertThat(a.status()).as("[%s] %s", abbreviate(name), a).isEqualTo(400);
      assertThat(a.json().getString("code")).isEqualTo("INVALID_ARG");
    }
    RunningGateway.Answer longDescription = gw.post("/v1/domains/plain/snapshots",
        new JsonObject().put("name", "ok").put("kind", "INTERNAL").put("description", "d".repeat(1025)).encode());
    assertThat(longDescription.status()).isEqualTo(400);
    assertThat(longDescription.json().getString("field")).isEqualTo("description");
    assertThat(TopicProbe.count(bus.bootstrap(), bus.topics().snapshotRequests())).isZero();
  }

  @Test
  void encodedTraversalInPathParametersFindsNothing() {
    for (String ref : List.of("%2e%2e", "%2E%2E", "..%2f..%2fetc", "%2e%2e%2fplain", "plain%00", "plain%0a",
        "%252e%252e", "..%5c..%5cwindows")) {
      for (String path : List.of("/v1/domains/" + ref, "/v1/domains/" + ref + "/snapshots")) {
        RunningGateway.Answer a = gw.get(path);
        assertThat(a.status()).as("%s %s", path, a).isIn(400, 404);
        assertThat(a.contentType()).startsWith("application/problem+json");
      }
      RunningGateway.Answer start = gw.post("/v1/domains/" + ref + "/start", null);
      assertThat(start.status()).as("%s %s", ref, start).isIn(400, 404);
    }
    // Dot segments are removed (RFC 3986) before routing and before the token check: a path that
    // normalizes to another route is that route, with that route's rules.
    assertThat(gw.get("/v1/domains/plain/snapshots/%2e%2e").json().getString("name")).isEqualTo("plain");
    assertThat(gw.get("/health/%2e%2e/v1/domains", "Authorization", "").status()).isEqualTo(401);
    assertThat(gw.get("/v1/%2e%2e/health", "Authorization", "").status()).isEqualTo(200);
    assertThat(agent.commands()).isEmpty();
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "...(" + s.length() + ")" : s;
  }
}
