package io.virtflow.devstack.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.VirtflowCli;
import io.virtflow.platform.testing.KafkaFixture;
import picocli.CommandLine;

/**
 * Every scenario once, with tiny sizes and durations, on the shared test broker: the runner works and its
 * JSON is sane (ordered percentiles, a positive rate, counts that add up). Nothing here asserts a time.
 */
class BenchSmokeTest {
  private static Path dir;
  private static Bench memory;

  @BeforeAll
  static void stack() throws Exception {
    dir = Files.createTempDirectory("bench-smoke-");
    memory = Bench.open(settings("roundtrip", 2, 10, 1), 2, Map.of());
  }

  @AfterAll
  static void stop() {
    if (memory != null) {
      memory.close();
    }
  }

  static Bench.Settings settings(String scenario, int hosts, int domains, int iterations) {
    return settings(scenario, hosts, domains, iterations, dir);
  }

  static Bench.Settings settings(String scenario, int hosts, int domains, int iterations, Path dataDir) {
    return new Bench.Settings(scenario, 40, Duration.ofSeconds(1), Duration.ofMillis(300), hosts, domains, 5,
        iterations, 1, null, KafkaFixture.bootstrap(), null, ApiClient.Transport.VERTX, 32, dataDir, 0,
        List.of(20.0, 40.0));
  }

  static void assertSane(JsonObject json, String scenario) {
    assertThat(json.getString("scenario")).isEqualTo(scenario);
    double p50 = json.getDouble("p50Ms");
    double p99 = json.getDouble("p99Ms");
    double p999 = json.getDouble("p999Ms");
    double max = json.getDouble("maxMs");
    assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
    assertThat(p99).isLessThanOrEqualTo(p999);
    assertThat(p999).isLessThanOrEqualTo(max);
    assertThat(json.getDouble("opsPerSec")).isPositive();
  }

  @Test
  void kafkaFloorFromTheCommandLineWritesItsJson(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("floor.json");
    int code = new CommandLine(new VirtflowCli()).execute("bench", "kafka-floor", "--rate", "200", "--duration", "1s",
        "--warmup", "200ms", "--bootstrap", KafkaFixture.bootstrap(), "--json", out.toString());
    assertThat(code).isZero();
    JsonObject json = new JsonObject(Files.readString(out));
    assertSane(json, "kafka-floor");
    assertThat(json.getLong("received")).isEqualTo(json.getLong("sent")).isEqualTo(json.getLong("count"));
    assertThat(json.getString("acks")).isEqualTo("all");
  }

  @Test
  void anUnknownScenarioIsRefused() {
    int code = new CommandLine(new VirtflowCli()).execute("bench", "nonsense", "--bootstrap", "127.0.0.1:1");
    assertThat(code).isEqualTo(2);
  }

  @Test
  void roundtripCarriesTheFloorAndTheRatio() throws Exception {
    JsonObject json = Roundtrip.roundtrip(memory.withSettings(settings("roundtrip", 2, 10, 1))).json();
    assertSane(json, "roundtrip");
    assertThat(json.getLong("succeeded")).isEqualTo(json.getLong("sent")).isEqualTo(json.getLong("count"));
    assertThat(json.getLong("failed")).isZero();
    assertThat(json.getDouble("floorP50Ms")).isPositive();
    assertThat(json.getDouble("p50OverTwoFloors"))
        .isEqualTo(json.getDouble("p50Ms") / (2 * json.getDouble("floorP50Ms")), org.assertj.core.data.Offset.offset(1e-3));
  }

  @Test
  void throughputPrintsEveryStep() {
    JsonObject json = Roundtrip.throughput(memory.withSettings(settings("throughput", 2, 10, 1))).json();
    assertThat(json.getJsonArray("steps")).isNotEmpty();
    assertThat(json.getJsonArray("steps").getJsonObject(0).getDouble("rate")).isEqualTo(20.0);
    if (json.getDouble("maxRateP99Under100Ms") > 0) {
      assertSane(json, "throughput");
    }
  }

  @Test
  void burstStartsEveryDomain() {
    JsonObject json = Burst.run(memory.withSettings(settings("burst", 2, 20, 1))).json();
    assertSane(json, "burst");
    assertThat(json.getLong("running")).isEqualTo(20);
    assertThat(json.getLong("count")).isEqualTo(20);
    assertThat(json.getLong("failed")).isZero();
    assertThat(json.getDouble("seconds")).isPositive();
  }

  @Test
  void scaleRebuildsTheGatewaysViews(@TempDir Path own) throws Exception {
    // A stack of its own: the restart it does would cut the other scenarios' connections.
    JsonObject json;
    try (Bench fresh = Bench.open(settings("scale", 2, 5, 1, own), 2, Map.of())) {
      json = Scale.run(fresh).json();
    }
    assertSane(json, "scale");
    assertThat(json.getInteger("domains")).isEqualTo(10);
    assertThat(json.getInteger("domainsAfterRebuild")).isGreaterThanOrEqualTo(10);
    assertThat(json.getDouble("listP50Ms")).isPositive().isLessThanOrEqualTo(json.getDouble("listMaxMs"));
    assertThat(json.getLong("listFailed")).isZero();
    assertThat(json.getDouble("rebuildSeconds")).isPositive();
    assertThat(json.getValue("gatewayHeapMiB")).isNotNull();
  }

  @Test
  void fanoutDeliversEveryEventToEverySubscriber() {
    JsonObject json = Fanout.run(memory.withSettings(settings("fanout", 2, 4, 1))).json();
    assertSane(json, "fanout");
    assertThat(json.getLong("events")).isPositive();
    assertThat(json.getLong("deliveries")).isEqualTo(json.getLong("expectedDeliveries"))
        .isEqualTo(json.getLong("events") * 5);
  }

  @Test
  void snapshotComparesTheApiWithQemuImg(@TempDir Path own) throws Exception {
    try (Bench qcow2 = Bench.open(settings("snapshot", 1, 1, 1, own), 1, Map.of("VIRTFLOW_SIM_DISK_BACKEND", "qcow2"))) {
      JsonObject json = SnapshotBench.run(qcow2).json();
      assertSane(json, "snapshot");
      assertThat(json.getLong("failed")).isZero();
      assertThat(json.getLong("count")).isEqualTo(6);
      assertThat(json.getDouble("ratio")).isPositive();
      assertThat(json.getDouble("rawP50Ms")).isPositive();
    }
  }

  @Test
  void codecRunsJmh() throws Exception {
    Bench.Settings s = new Bench.Settings("codec", 0, Duration.ofMillis(200), Duration.ZERO, 1, 1, 1, 1, 1, null,
        null, null, ApiClient.Transport.VERTX, 1, dir, 0, List.of());
    JsonObject json = CodecBench.run(s).json();
    assertSane(json, "codec");
    for (String op : List.of("encodeCommandNs", "decodeCommandNs", "encodeDomainEventNs", "decodeDomainEventNs")) {
      assertThat(json.getDouble(op)).isPositive().isLessThanOrEqualTo(json.getDouble("slowestNs"));
    }
  }
}
