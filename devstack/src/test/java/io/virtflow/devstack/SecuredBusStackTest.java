package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.virtflow.agent.HostAgent;
import io.virtflow.agent.HostAgentConfig;
import io.virtflow.gateway.ApiGateway;
import io.virtflow.gateway.GatewayConfig;
import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.ClientSecurity;
import io.virtflow.platform.config.Settings;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.security.BusSetup;
import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Topics;
import io.virtflow.snapshot.SnapshotService;
import io.virtflow.snapshot.SnapshotServiceConfig;

/**
 * The three services, each with its own Kafka user, on a broker with SASL/SCRAM and the authorizer set up
 * by {@link BusSetup} as docker-compose's kafka-init does: a VM defined and started over HTTP proves that
 * the ACL table of docs/SECURITY.md gives each service what its code needs. A missing grant shows as a
 * service that does not start or a command that never ends.
 */
class SecuredBusStackTest {
  private static final String ADMIN_PASSWORD = "stack-admin-secret";
  private static Path dir;
  private static EmbeddedKafka kafka;
  private static Vertx vertx;
  private static SnapshotService snapshots;
  private static HostAgent agent;
  private static ApiGateway gateway;
  private static Http http;
  private static final boolean QEMU = java.nio.file.Files.isExecutable(Path.of("/usr/bin/qemu-img"));
  private static int agentHealthPort;
  private static int snapshotHealthPort;

  @BeforeAll
  static void up() throws Exception {
    AvroCodec.trustContract();
    dir = Files.createTempDirectory("virtflow-secured-stack");
    kafka = EmbeddedKafka.startSecured(dir.resolve("kafka"), 0, ADMIN_PASSWORD);
    Map<String, String> users = new LinkedHashMap<>();
    users.put("gateway", "gateway-pw");
    users.put("snapshot", "snapshot-pw");
    users.put("agent-host-1", "agent-1-pw");
    BusConfig admin = new BusConfig(kafka.bootstrapServers(), Topics.production(), 3, (short) 1, 1)
        .withSecurity(ClientSecurity.scram("admin", ADMIN_PASSWORD));
    try (Admin a = Admin.create(KafkaSettings.admin(admin, "setup"))) {
      BusSetup.apply(a, admin, users);
    }
    vertx = Vertx.vertx();
    // The services build some clients from the bare bootstrap string, whose identity is declared per
    // bootstrap string (KafkaSettings.identify): three spellings of the same broker keep three users apart
    // in one JVM, as three containers would be.
    int port = kafka.port();
    agentHealthPort = freePort();
    snapshotHealthPort = freePort();
    snapshots = done(SnapshotService.start(vertx, SnapshotServiceConfig.from(identified(
        "localhost:" + port + ",127.0.0.1:" + port, "snapshot", "snapshot-pw",
        Map.of(SnapshotServiceConfig.HEALTH_PORT, Integer.toString(snapshotHealthPort))))));
    agent = done(HostAgent.start(vertx, HostAgentConfig.from(identified("127.0.0.1:" + port, "agent-host-1",
        "agent-1-pw", Map.of(HostAgentConfig.HOST_ID, "host-1",
            HostAgentConfig.DATA_DIR, dir.resolve("agent-1").toString(),
            HostAgentConfig.HEARTBEAT_MS, "500",
            // Real qcow2 disks where qemu-img runs, so that snapshots work; memory disks otherwise.
            HostAgentConfig.SIM_DISK_BACKEND, QEMU ? "qcow2" : "memory",
            HostAgentConfig.HEALTH_PORT, Integer.toString(agentHealthPort))))));
    // The gateway checks bearer tokens: a key pair of this test's own, and an admin token signed with it.
    java.security.KeyPair keys = io.virtflow.gateway.auth.KeyFiles.generate();
    java.nio.file.Path publicKey = java.nio.file.Files.writeString(dir.resolve("jwt-public.pem"),
        io.virtflow.gateway.auth.KeyFiles.publicPem(keys.getPublic()));
    gateway = done(ApiGateway.start(vertx, GatewayConfig.from(identified("localhost:" + port, "gateway",
        "gateway-pw", Map.of(GatewayConfig.HTTP_PORT, "0", GatewayConfig.JWT_PUBLIC_KEY_FILE, publicKey.toString())))));
    String adminToken = new io.virtflow.gateway.auth.TokenMinter(vertx, keys.getPrivate()).mint("admin",
        io.virtflow.gateway.domain.Role.ADMIN, java.util.List.of("default"), java.time.Duration.ofHours(1));
    http = new Http("http://127.0.0.1:" + gateway.httpPort(), adminToken);
  }

  private static Map<String, String> identified(String bootstrap, String user, String password,
      Map<String, String> own) {
    Map<String, String> env = new HashMap<>(own);
    env.put(BusConfig.BOOTSTRAP, bootstrap);
    env.put(BusConfig.SECURITY_PROTOCOL, "SASL_PLAINTEXT");
    env.put(BusConfig.USERNAME, user);
    env.put(BusConfig.PASSWORD, password);
    KafkaSettings.identify(BusConfig.from(new Settings(env)));
    return env;
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static <T> T done(Future<T> f) {
    try {
      return f.await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  @AfterAll
  static void down() {
    for (Runnable r : new Runnable[] {
        () -> { if (gateway != null) { done(gateway.stop()); } },
        () -> { if (agent != null) { done(agent.stop()); } },
        () -> { if (snapshots != null) { done(snapshots.stop()); } },
        () -> { if (vertx != null) { done(vertx.close()); } },
        () -> { if (kafka != null) { kafka.close(); } }}) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // keep stopping the rest
      }
    }
  }

  @Test
  void aVmIsDefinedAndStartedOverHttpWithEveryServiceUnderItsOwnAcls() {
    await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/hosts").json().getJsonArray("hosts").stream()
        .anyMatch(h -> "UP".equals(((JsonObject) h).getString("status"))));
    Http.Answer defined = http.post("/v1/domains", "{\"name\":\"acl1\",\"vcpus\":1,\"memoryMiB\":512,\"disks\":[]}");
    assertThat(defined.status()).isEqualTo(202);
    assertThat(http.waitFor(defined.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
    assertThat(http.run("/v1/domains/acl1/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> "RUNNING".equals(http.get("/v1/domains/acl1").json().getString("state")));
    assertThat(agent.health().isUp()).isTrue();
    assertThat(snapshots.health().isUp()).isTrue();
  }

  /** The gateway's dead-letter sweep works under the gateway's own user: its group, the DLQ write. */
  @Test
  void theGatewaysDeadLetterSweepParksProjectionPoisonUnderItsOwnAcls() throws Exception {
    BusConfig admin = new BusConfig(kafka.bootstrapServers(), Topics.production(), 3, (short) 1, 1)
        .withSecurity(ClientSecurity.scram("admin", ADMIN_PASSWORD));
    String vmState = admin.topics().vmState();
    try (var p = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
        KafkaSettings.producer(admin, "poisoner", 10_000))) {
      p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(vmState, "poison", new byte[] {1, 2, 3}))
          .get(10, TimeUnit.SECONDS);
    }
    String dlq = admin.topics().dlq();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
      try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(
          KafkaSettings.reader(admin, "dlq-probe"))) {
        var parts = c.partitionsFor(dlq).stream()
            .map(i -> new org.apache.kafka.common.TopicPartition(dlq, i.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        for (var r : c.poll(Duration.ofSeconds(2))) {
          var source = r.headers().lastHeader(io.virtflow.platform.kafka.DeadLetters.SOURCE_TOPIC);
          var consumer = r.headers().lastHeader(io.virtflow.platform.kafka.DeadLetters.CONSUMER);
          if (source != null && new String(source.value()).equals(vmState) && consumer != null
              && new String(consumer.value()).equals("virtflow-gateway-dlq-sweep")) {
            return true;
          }
        }
        return false;
      }
    });
    assertThat(gateway.health().report().getJsonObject("checks").getJsonObject("dlqSweep").getString("status"))
        .isEqualTo("UP");
  }

  /**
   * Each service answers {@code GET /metrics} with JVM and Kafka client meters; the services share this
   * JVM's registry here, so each one's own clients are picked out by their client ids.
   */
  @Test
  void everyServiceServesPrometheusMetricsWithItsKafkaClients() {
    Map<String, String> endpoints = Map.of(
        "http://127.0.0.1:" + gateway.httpPort() + "/metrics", "client_id=\"api-gateway-",
        "http://127.0.0.1:" + agentHealthPort + "/metrics", "client_id=\"virtflow-agent-host-1\"",
        "http://127.0.0.1:" + snapshotHealthPort + "/metrics", "client_id=\"snapshot-service");
    endpoints.forEach((url, client) -> {
      Http.Answer r = new Http(url.substring(0, url.indexOf("/metrics"))).get("/metrics");
      assertThat(r.status()).as(url).isEqualTo(200);
      assertThat(r.raw().headers().firstValue("content-type")).hasValueSatisfying(ct ->
          assertThat(ct).startsWith("text/plain; version=0.0.4"));
      assertThat(r.body()).as(url).contains("jvm_memory_used_bytes{").contains("kafka_producer_")
          .contains("kafka_consumer_").contains(client);
    });
    // The agent's hypervisor circuit breaker (DriverGuard), by state.
    String agent = new Http("http://127.0.0.1:" + agentHealthPort).get("/metrics").body();
    assertThat(agent).contains("resilience4j_circuitbreaker_state{").contains("name=\"driver-host-1\"")
        .containsPattern("resilience4j_circuitbreaker_state\\{[^}]*name=\"driver-host-1\"[^}]*state=\"closed\"[^}]*\\} 1\\.0");
  }

  /** The snapshot service under its own user: reads the request, sends disk steps, records the snapshot. */
  @Test
  void aSnapshotIsTakenWithTheSnapshotServiceUnderItsOwnAcls() {
    Qemu.require();
    await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/hosts").json().getJsonArray("hosts").stream()
        .anyMatch(h -> "UP".equals(((JsonObject) h).getString("status"))));
    SnapshotEndToEndTest.defineOn(http, "aclsnap", "vda");
    JsonObject done = http.run("/v1/domains/aclsnap/snapshots", "{\"name\":\"s1\",\"kind\":\"INTERNAL\"}");
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(http.get("/v1/domains/aclsnap/snapshots").json().getJsonArray("snapshots")).hasSize(1));
  }
}
