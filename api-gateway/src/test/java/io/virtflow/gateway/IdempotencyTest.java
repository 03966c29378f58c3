package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;

/** Idempotency-Key: the same request again is answered with the original command; another request is a 422. */
class IdempotencyTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
  }

  @AfterAll
  static void tearDown() {
    if (gw != null) {
      gw.close();
    }
    agent.close();
  }

  private static List<Command> withKey(String key) {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1")).stream()
        .map(r -> Codecs.COMMAND.decode(r.value())).filter(c -> key.equals(c.getIdempotencyKey())).toList();
  }

  private static String body(String name) {
    return "{\"name\":\"" + name + "\",\"vcpus\":1,\"memoryMiB\":512,\"disks\":[{\"target\":\"vda\",\"sizeGiB\":1}]}";
  }

  @Test
  void theSameRequestAgainGetsTheOriginalAnswerAndNothingIsPublishedTwice() {
    RunningGateway.Answer first = gw.post("/v1/domains", body("idem-1"), "Idempotency-Key", "k-1");
    assertThat(first.status()).isEqualTo(202);
    assertThat(first.header("Idempotent-Replayed")).isNull();
    // The same body with other whitespace and key order is the same request.
    RunningGateway.Answer again = gw.post("/v1/domains",
        "{ \"memoryMiB\": 512, \"disks\": [ {\"sizeGiB\": 1, \"target\": \"vda\"} ], \"vcpus\": 1, \"name\": \"idem-1\" }",
        "Idempotency-Key", "k-1");
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.json()).isEqualTo(first.json());
    assertThat(again.header("Location")).isEqualTo(first.header("Location"));
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");

    List<Command> sent = withKey("k-1");
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).getCommandId()).isEqualTo(first.json().getString("commandId"));
    assertThat(sent.get(0).getRequestHash()).hasSize(64);
  }

  @Test
  void theSameKeyForAnotherRequestIs422() {
    assertThat(gw.post("/v1/domains", body("idem-2"), "Idempotency-Key", "k-2").status()).isEqualTo(202);
    RunningGateway.Answer otherBody = gw.post("/v1/domains", body("idem-2b"), "Idempotency-Key", "k-2");
    assertThat(otherBody.status()).isEqualTo(422);
    assertThat(otherBody.contentType()).isEqualTo("application/problem+json");
    assertThat(otherBody.json().getString("code")).isEqualTo("INVALID_ARG");
    RunningGateway.Answer otherPath = gw.post("/v1/domains/idem-2/start", null, "Idempotency-Key", "k-2");
    assertThat(otherPath.status()).isEqualTo(422);
    RunningGateway.Answer otherQuery = gw.post("/v1/domains?timeoutMs=1000", body("idem-2"), "Idempotency-Key", "k-2");
    assertThat(otherQuery.status()).isEqualTo(422);
    assertThat(withKey("k-2")).hasSize(1);
  }

  @Test
  void lifecycleCommandsAndUndefineAreIdempotentToo() {
    agent.existingDomain("idem-3");
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/idem-3").status() == 200);
    String a = gw.post("/v1/domains/idem-3/start", null, "Idempotency-Key", "k-3").json().getString("commandId");
    String b = gw.post("/v1/domains/idem-3/start", "", "Idempotency-Key", "k-3").json().getString("commandId");
    assertThat(b).isEqualTo(a);
    String c = gw.delete("/v1/domains/idem-3?force=true", "Idempotency-Key", "k-4").json().getString("commandId");
    String d = gw.delete("/v1/domains/idem-3?force=true", "Idempotency-Key", "k-4").json().getString("commandId");
    assertThat(d).isEqualTo(c);
    assertThat(withKey("k-3")).hasSize(1);
    assertThat(withKey("k-4")).hasSize(1);
  }

  @Test
  void concurrentRequestsWithOneKeyMakeOneCommand() throws Exception {
    List<CompletableFuture<RunningGateway.Answer>> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(gw.postAsync("/v1/domains", body("idem-5"), "Idempotency-Key", "k-5"));
    }
    List<String> ids = new ArrayList<>();
    for (var f : all) {
      RunningGateway.Answer a = f.get(20, TimeUnit.SECONDS);
      assertThat(a.status()).as(a.toString()).isEqualTo(202);
      ids.add(a.json().getString("commandId"));
    }
    assertThat(ids).containsOnly(ids.get(0));
    assertThat(withKey("k-5")).hasSize(1);
  }

  @Test
  void aReplayStillWorksAfterTheGatewayRestarts() {
    RunningGateway.Answer first = gw.post("/v1/domains", body("idem-6"), "Idempotency-Key", "k-6");
    assertThat(first.status()).isEqualTo(202);
    gw.close();
    gw = RunningGateway.start(bus);

    RunningGateway.Answer again = gw.post("/v1/domains", body("idem-6"), "Idempotency-Key", "k-6");
    assertThat(again.status()).as(again.toString()).isEqualTo(202);
    assertThat(again.json().getString("commandId")).isEqualTo(first.json().getString("commandId"));
    assertThat(again.json().getString("domainId")).isEqualTo(first.json().getString("domainId"));
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(gw.post("/v1/domains", body("idem-6-other"), "Idempotency-Key", "k-6").status()).isEqualTo(422);
    assertThat(withKey("k-6")).hasSize(1);
  }
}
