package io.virtflow.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.Publisher;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.StateReason;

class SnapshotServiceTest {
  private Vertx vertx;
  private BusConfig bus;
  private Publisher publisher;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    bus = KafkaFixture.freshBus();
    publisher = new Publisher(new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "t", 10_000)));
  }

  @AfterEach
  void tearDown() {
    publisher.close();
    vertx.close().await();
  }

  private SnapshotServiceConfig config(int healthPort) {
    return SnapshotServiceConfig.from(Map.of(BusConfig.BOOTSTRAP, bus.bootstrap(), BusConfig.NAMESPACE,
        bus.topics().namespace(), SnapshotServiceConfig.HEALTH_PORT, Integer.toString(healthPort),
        SnapshotServiceConfig.HEALTH_HOST, "127.0.0.1"));
  }

  private void publishState(String id, String name, long version) {
    DomainState s = DomainState.newBuilder().setDomainId(id).setName(name).setHostId("h1")
        .setState(DomainStateCode.SHUTOFF).setReason(StateReason.UNKNOWN).setVcpus(1).setMemoryMiB(512)
        .setVersion(version).setUpdatedAt(Instant.now()).build();
    publisher.send(bus.topics().vmState(), id, Codecs.DOMAIN_STATE.encode(s)).await();
  }

  @Test
  void joinsTheBusKnowsEveryDomainAndReportsHealth() throws Exception {
    publishState("d1", "web1", 1);
    publishState("d2", "web2", 1);
    publisher.send(bus.topics().vmState(), "d2", null).await();
    publisher.send(bus.topics().vmState(), "junk", "not avro".getBytes()).await();

    int port = freePort();
    SnapshotService service = SnapshotService.start(vertx, config(port)).await();
    // Ready only once caught up: the directory already has what was written before the start.
    assertThat(service.directory().find("d1")).isPresent();
    assertThat(service.directory().find("d2")).isEmpty();

    publishState("d3", "db1", 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> service.directory().find("d3").isPresent());

    HttpResponse<String> health = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"UP\"").contains("2 domains known");
    service.stop().await();
  }

  @Test
  void anOlderStateNeverOverwritesANewerOne() {
    var directory = new io.virtflow.snapshot.domain.DomainDirectory();
    directory.put(new io.virtflow.snapshot.domain.DomainDirectory.Entry("d", "n", "h", "RUNNING", 5));
    directory.put(new io.virtflow.snapshot.domain.DomainDirectory.Entry("d", "n", "h", "SHUTOFF", 4));
    assertThat(directory.find("d").orElseThrow().state()).isEqualTo("RUNNING");
  }

  @Test
  void badConfigurationIsRefusedNamingEveryProblem() {
    assertThatThrownBy(() -> SnapshotServiceConfig.from(Map.of(SnapshotServiceConfig.HEALTH_PORT, "70000",
        BusConfig.NAMESPACE, "bad space", BusConfig.PARTITIONS, "x")))
        .isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining(SnapshotServiceConfig.HEALTH_PORT)
        .hasMessageContaining(BusConfig.NAMESPACE)
        .hasMessageContaining(BusConfig.PARTITIONS);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
