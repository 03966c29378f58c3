package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.Start;

/**
 * Placement over real heartbeats: p1 has 8 GiB free, p2 28 GiB, p3 is DOWN (its last heartbeat is an
 * hour old) though it has the most memory.
 */
class PlacementFlowTest {
  private BusConfig bus;
  private TestAgent p1;
  private TestAgent p2;
  private TestAgent p3;
  private RunningGateway gw;

  @BeforeEach
  void setUp() {
    bus = KafkaFixture.freshBus();
    p1 = TestAgent.start(bus, KafkaFixture.admin(), "p1").capacity(16_384, 8_192).heartbeatEvery(Duration.ofMillis(500));
    p2 = TestAgent.start(bus, KafkaFixture.admin(), "p2").capacity(32_768, 4_096).heartbeatEvery(Duration.ofMillis(500));
    p3 = TestAgent.start(bus, KafkaFixture.admin(), "p3").capacity(1_048_576, 0).heartbeatAt(Instant.now().minusSeconds(3600));
    gw = RunningGateway.start(bus);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 3);
  }

  @AfterEach
  void tearDown() {
    gw.close();
    p1.close();
    p2.close();
    p3.close();
  }

  private JsonObject host(String id) {
    return gw.get("/v1/hosts").json().getJsonArray("hosts").stream().map(JsonObject.class::cast)
        .filter(h -> h.getString("hostId").equals(id)).findFirst().orElseThrow();
  }

  private String define(String name, long memory) {
    RunningGateway.Answer a = gw.post("/v1/domains", "{\"name\":\"" + name + "\",\"vcpus\":1,\"memoryMiB\":" + memory + "}");
    assertThat(a.status()).as(a.toString()).isEqualTo(202);
    return a.json().getString("commandId");
  }

  @Test
  void definesGoToTheUpHostWithTheMostFreeMemoryCountingWhatIsAlreadyPlaced() {
    assertThat(host("p3").getString("status")).isEqualTo("DOWN");
    String big = define("big", 24_576);
    Command onP2 = p2.awaitCommand(big);
    assertThat(((Define) onP2.getPayload()).getName()).isEqualTo("big");
    assertThat(host("p2").getLong("memoryMiBReserved")).isEqualTo(24_576);

    // p2 now has 4 GiB free once "big" is counted, p1 8 GiB: the next one goes to p1.
    String small = define("small", 1_024);
    assertThat(p1.awaitCommand(small).getHostId()).isEqualTo("p1");

    // p2's agent carries "big" out; its next heartbeat shows the memory used, the reservation goes.
    p2.capacity(32_768, 4_096 + 24_576);
    p2.state(onP2.getDomainId(), "big", DomainStateCode.SHUTOFF, 1);
    p2.status(onP2, CommandStatusCode.SUCCEEDED, null, null, DomainStateCode.SHUTOFF);
    await().atMost(Duration.ofSeconds(10)).until(() -> host("p2").getLong("memoryMiBReserved") == 0
        && host("p2").getLong("memoryMiBUsed") == 28_672);
    await().atMost(Duration.ofSeconds(10)).until(() -> !gw.get("/v1/domains/big").json().getBoolean("pending"));
  }

  @Test
  void aDownHostNamedExplicitlyStillGetsItsCommandsQueued() {
    RunningGateway.Answer a = gw.post("/v1/domains", "{\"name\":\"queued\",\"host\":\"p3\",\"vcpus\":1,\"memoryMiB\":64}");
    assertThat(a.status()).isEqualTo(202);
    assertThat(p3.awaitCommand(a.json().getString("commandId")).getHostId()).isEqualTo("p3");

    String existing = p3.existingDomain("on-p3");
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/on-p3").status() == 200);
    RunningGateway.Answer start = gw.post("/v1/domains/on-p3/start", null);
    assertThat(start.status()).isEqualTo(202);
    Command c = p3.awaitCommand(start.json().getString("commandId"));
    assertThat(c.getPayload()).isInstanceOf(Start.class);
    assertThat(c.getDomainId()).isEqualTo(existing);
  }

  @Test
  void withEveryHostDownADefineWithoutHostIs503() {
    p1.sayDown();
    p2.sayDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> "DOWN".equals(host("p1").getString("status"))
        && "DOWN".equals(host("p2").getString("status")));
    RunningGateway.Answer a = gw.post("/v1/domains", "{\"name\":\"nowhere\",\"vcpus\":1,\"memoryMiB\":64}");
    assertThat(a.status()).isEqualTo(503);
    assertThat(a.json().getString("code")).isEqualTo("HOST_UNAVAILABLE");
  }
}
