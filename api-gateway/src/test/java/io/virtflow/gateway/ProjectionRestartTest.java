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
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainStateCode;

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
}
