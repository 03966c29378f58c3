package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.SnapshotEvent;
import io.virtflow.schema.SnapshotPhase;

/** The projections are rebuilt from Kafka on start, and the gateway serves only once they are. */
class ProjectionRestartTest {
  private BusConfig bus;
  private TestAgent agent;

  @BeforeEach
  void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").capacity(8_192, 1_024);
    agent.heartbeat();
  }

  @AfterEach
  void tearDown() {
    agent.close();
  }

  @Test
  void aRestartedGatewayKnowsWhatTheFirstOneKnew() {
    String commandId;
    String keptId;
    try (RunningGateway first = RunningGateway.start(bus)) {
      commandId = first.post("/v1/domains", "{\"name\":\"kept\",\"vcpus\":1,\"memoryMiB\":64}").json()
          .getString("commandId");
      Command c = agent.awaitCommand(commandId);
      keptId = c.getDomainId();
      agent.status(c, CommandStatusCode.RUNNING);
      agent.state(keptId, "kept", DomainStateCode.SHUTOFF, 1);
      agent.status(c, CommandStatusCode.SUCCEEDED, null, null, DomainStateCode.SHUTOFF);
      await().atMost(Duration.ofSeconds(10)).until(() -> first.get("/v1/commands/" + commandId).json()
          .getBoolean("terminal"));
    }
    // While no gateway runs: a newer state, an undecodable record, a domain that comes and goes.
    agent.send(bus.topics().vmState(), "junk", "not avro".getBytes(StandardCharsets.UTF_8));
    agent.state(keptId, "kept", DomainStateCode.RUNNING, 2);
    String gone = agent.existingDomain("gone");
    agent.tombstone(gone);

    try (RunningGateway second = RunningGateway.start(bus)) {
      // No waiting: start() completes only once every projection caught up.
      JsonObject kept = second.get("/v1/domains/kept").json();
      assertThat(kept.getString("domainId")).isEqualTo(keptId);
      assertThat(kept.getString("state")).isEqualTo("RUNNING");
      assertThat(kept.getLong("version")).isEqualTo(2);
      assertThat(second.get("/v1/domains/gone").status()).isEqualTo(404);
      assertThat(second.get("/v1/domains/" + gone).status()).isEqualTo(404);
      List<String> names = second.get("/v1/domains").json().getJsonArray("domains").stream()
          .map(o -> ((JsonObject) o).getString("name")).toList();
      assertThat(names).containsExactly("kept");

      JsonObject status = second.get("/v1/commands/" + commandId).json();
      assertThat(status.getString("status")).isEqualTo("SUCCEEDED");
      assertThat(status.getJsonArray("history").stream().map(o -> ((JsonObject) o).getString("status")))
          .containsExactly("ACCEPTED", "RUNNING", "SUCCEEDED");

      JsonObject host = second.get("/v1/hosts").json().getJsonArray("hosts").getJsonObject(0);
      assertThat(host.getString("hostId")).isEqualTo("h1");
      assertThat(host.getLong("memoryMiBUsed")).isEqualTo(1_024);
      assertThat(second.gateway.health().isUp()).isTrue();

      // The name is taken by the projection now.
      assertThat(second.post("/v1/domains", "{\"name\":\"kept\",\"vcpus\":1,\"memoryMiB\":64}").status()).isEqualTo(409);
      // Later records keep flowing in.
      agent.tombstone(keptId);
      await().atMost(Duration.ofSeconds(10)).until(() -> second.get("/v1/domains/kept").status() == 404);
    }
  }

  @Test
  void aRestartedGatewayRebuildsEverySnapshotCatalogFromTheEventLog() {
    String vm = agent.existingDomain("vm");
    String dropped = agent.existingDomain("dropped");
    String busy = agent.existingDomain("busy");
    try (RunningGateway first = RunningGateway.start(bus)) {
      snapshotEvent(TestSnapshotService.event(vm, SnapshotPhase.CREATING, "c1", "a",
          TestSnapshotService.chain(vm, "a")));
      snapshotEvent(TestSnapshotService.event(vm, SnapshotPhase.CREATED, "c1", "a", TestSnapshotService.chain(vm, "a")));
      await().atMost(Duration.ofSeconds(10)).until(() -> first.get("/v1/domains/vm").json()
          .getInteger("snapshotCount") == 1);
    }
    // While no gateway runs: the catalog grows and shrinks, one is dropped, one workflow is under way.
    snapshotEvent(TestSnapshotService.event(vm, SnapshotPhase.CREATED, "c2", "b",
        TestSnapshotService.chain(vm, "a", "b", "c")));
    snapshotEvent(TestSnapshotService.event(vm, SnapshotPhase.DELETED, "c3", "c", TestSnapshotService.chain(vm, "a", "b")));
    snapshotEvent(TestSnapshotService.event(vm, SnapshotPhase.RECONCILED, "c4", null, null));
    agent.send(bus.topics().snapshotEvents(), vm, "not avro".getBytes(StandardCharsets.UTF_8));
    snapshotEvent(TestSnapshotService.event(dropped, SnapshotPhase.CREATED, "c5", "x",
        TestSnapshotService.chain(dropped, "x")));
    snapshotEvent(TestSnapshotService.event(dropped, SnapshotPhase.DROPPED, null, null, null));
    snapshotEvent(TestSnapshotService.event(busy, SnapshotPhase.CREATED, "c6", "p", TestSnapshotService.chain(busy, "p")));
    snapshotEvent(TestSnapshotService.event(busy, SnapshotPhase.REVERTING, "c7", "p",
        TestSnapshotService.chain(busy, "p")));

    try (RunningGateway second = RunningGateway.start(bus)) {
      // No waiting: start() completes only once snapshot.events caught up too.
      JsonObject tree = second.get("/v1/domains/vm/snapshots").json();
      assertThat(tree.getString("current")).isEqualTo("b");
      assertThat(tree.getJsonArray("snapshots").stream().map(o -> ((JsonObject) o).getString("name")))
          .containsExactly("a", "b");
      assertThat(tree.getJsonArray("snapshots").getJsonObject(0).getJsonArray("children")).containsExactly("b");
      assertThat(second.get("/v1/domains/vm").json().getInteger("snapshotCount")).isEqualTo(2);
      assertThat(second.get("/v1/domains/dropped/snapshots").json().getJsonArray("snapshots")).isEmpty();
      assertThat(second.get("/v1/domains/dropped").json().getInteger("snapshotCount")).isZero();
      JsonObject busyTree = second.get("/v1/domains/busy/snapshots").json();
      assertThat(busyTree.getJsonObject("inProgress").getString("phase")).isEqualTo("REVERTING");
      assertThat(busyTree.getJsonObject("inProgress").getString("snapshot")).isEqualTo("p");
      assertThat(busyTree.getJsonArray("snapshots")).hasSize(1);
      assertThat(second.gateway.health().isUp()).isTrue();
    }
  }

  private void snapshotEvent(SnapshotEvent e) {
    agent.send(bus.topics().snapshotEvents(), e.getDomainId(), Codecs.SNAPSHOT_EVENT.encode(e));
  }
}
