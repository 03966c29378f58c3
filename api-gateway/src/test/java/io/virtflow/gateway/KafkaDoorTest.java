package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.Disk;
import io.virtflow.schema.Start;
import io.virtflow.schema.Undefine;

/**
 * The Kafka door ({@code virtflow.commands}) against the real broker, with a test agent on h1: the same
 * command path as HTTP, rejections on {@code command.status}, idempotency by command id (also across a
 * gateway restart), the dead-letter topic, and a bounded load of 10,000 requests.
 */
class KafkaDoorTest {
  private static final int MAX_IN_FLIGHT = 200;
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;
  private static Producer<String, byte[]> producer;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").heartbeatEvery(Duration.ofMillis(500)).autoComplete(true);
    producer = new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "kafka-door-test", 10_000));
    gw = startGateway();
  }

  private static RunningGateway startGateway() {
    RunningGateway g = RunningGateway.start(bus, Map.of(GatewayConfig.MAX_WAIT_MS, "5000",
        GatewayConfig.ROUTER_MAX_IN_FLIGHT, Integer.toString(MAX_IN_FLIGHT)));
    await().atMost(Duration.ofSeconds(10)).until(() -> g.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
    return g;
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
    producer.close(Duration.ofSeconds(5));
  }

  // ---- requests and what came of them ----

  private static CommandRequest request(String domain, Object payload) {
    return CommandRequest.newBuilder().setCommandId(UUID.randomUUID().toString()).setDomain(domain)
        .setIssuedAt(Instant.now()).setPayload(payload).setToken(TestKeys.ADMIN).build();
  }

  private static Define define(String name) {
    return Define.newBuilder().setName(name).setVcpus(2).setMemoryMiB(1024)
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(10).build())).build();
  }

  private static CommandRequest defineRequest(String name, String host) {
    CommandRequest r = request(null, define(name));
    r.setHost(host);
    return r;
  }

  private static void send(String key, CommandRequest r) {
    send(key, Codecs.COMMAND_REQUEST.encode(r));
  }

  private static void send(String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(bus.topics().commands(), key, value)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<CommandStatus> statuses() {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus()).stream()
        .map(r -> Codecs.COMMAND_STATUS.decode(r.value())).toList();
  }

  private static List<CommandStatus> statusesOf(String commandId) {
    return statuses().stream().filter(s -> s.getCommandId().equals(commandId)).toList();
  }

  private static List<Command> forwarded() {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1")).stream()
        .map(r -> Codecs.COMMAND.decode(r.value())).toList();
  }

  /** The status document once the command ended (or the wait ran out); a Kafka request may not be read yet. */
  private static JsonObject ended(String commandId) {
    await().atMost(Duration.ofSeconds(15)).until(() -> gw.get("/v1/commands/" + commandId).status() == 200);
    return gw.get("/v1/commands/" + commandId + "?waitMs=5000").json();
  }

  /** The status document of a request the router refused. */
  private static JsonObject rejected(String commandId) {
    JsonObject s = ended(commandId);
    assertThat(s.getString("status")).as(s.encode()).isEqualTo("REJECTED");
    assertThat(history(s)).containsExactly("REJECTED");
    return s;
  }

  private static List<String> history(JsonObject status) {
    return status.getJsonArray("history").stream().map(o -> ((JsonObject) o).getString("status")).toList();
  }

  // ---- (a) one path ----

  @Test
  void defineAndStartThroughEitherDoorGiveTheSameStatusesAndCommands() {
    RunningGateway.Answer httpDefine = gw.post("/v1/domains",
        "{\"name\":\"twin-http\",\"host\":\"h1\",\"vcpus\":2,\"memoryMiB\":1024,\"disks\":[{\"target\":\"vda\",\"sizeGiB\":10}]}");
    assertThat(httpDefine.status()).as(httpDefine.toString()).isEqualTo(202);
    RunningGateway.Answer httpStart = gw.post("/v1/domains/twin-http/start", null);
    assertThat(httpStart.status()).as(httpStart.toString()).isEqualTo(202);

    // Published back to back, with the name as key: the start finds the define pending, as over HTTP.
    CommandRequest kafkaDefine = defineRequest("twin-kafka", "h1");
    // The principal is the token's subject; CommandRequest.principal is not believed.
    kafkaDefine.setToken(TestKeys.token("svc-ops", io.virtflow.gateway.domain.Role.ADMIN, TestKeys.PROJECT));
    kafkaDefine.setPrincipal("someone-else");
    CommandRequest kafkaStart = request("twin-kafka", Start.newBuilder().setPaused(false).build());
    send("twin-kafka", kafkaDefine);
    send("twin-kafka", kafkaStart);

    JsonObject hd = ended(httpDefine.json().getString("commandId"));
    JsonObject hs = ended(httpStart.json().getString("commandId"));
    JsonObject kd = ended(kafkaDefine.getCommandId());
    JsonObject ks = ended(kafkaStart.getCommandId());
    for (JsonObject s : List.of(hd, hs, kd, ks)) {
      assertThat(s.getString("status")).as(s.encode()).isEqualTo("SUCCEEDED");
      assertThat(history(s)).containsExactly("ACCEPTED", "RUNNING", "SUCCEEDED");
      assertThat(s.getString("hostId")).isEqualTo("h1");
    }
    assertThat(kd.getString("operation")).isEqualTo(hd.getString("operation")).isEqualTo("Define");
    assertThat(ks.getString("operation")).isEqualTo(hs.getString("operation")).isEqualTo("Start");
    assertThat(ks.getString("domainId")).isEqualTo(kd.getString("domainId"));

    // The same effects: the host agent got the same commands, in the same order, keyed by domain id.
    Map<String, Command> byId = forwarded().stream().collect(Collectors.toMap(Command::getCommandId, c -> c));
    Command hdc = byId.get(hd.getString("commandId"));
    Command kdc = byId.get(kafkaDefine.getCommandId());
    Command ksc = byId.get(kafkaStart.getCommandId());
    assertThat(kdc.getPayload().toString()).isEqualTo(hdc.getPayload().toString().replace("twin-http", "twin-kafka"));
    assertThat(ksc.getPayload()).isEqualTo(byId.get(hs.getString("commandId")).getPayload());
    assertThat(Duration.between(kdc.getIssuedAt(), kdc.getDeadline()))
        .isEqualTo(Duration.between(hdc.getIssuedAt(), hdc.getDeadline()));
    assertThat(kdc.getPrincipal()).isEqualTo("svc-ops");
    assertThat(ksc.getPrincipal()).isEqualTo("admin");
    assertThat(kdc.getProject()).isEqualTo(ksc.getProject()).isEqualTo(TestKeys.PROJECT);
    List<String> order = forwarded().stream().map(Command::getCommandId)
        .filter(id -> id.equals(kafkaDefine.getCommandId()) || id.equals(kafkaStart.getCommandId())).toList();
    assertThat(order).containsExactly(kafkaDefine.getCommandId(), kafkaStart.getCommandId());
    ConsumerRecord<String, byte[]> startRecord = TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1"))
        .stream().filter(r -> Codecs.COMMAND.decode(r.value()).getCommandId().equals(kafkaStart.getCommandId()))
        .findFirst().orElseThrow();
    assertThat(startRecord.key()).isEqualTo(kd.getString("domainId"));
    assertThat(statusesOf(kafkaDefine.getCommandId())).extracting(CommandStatus::getPrincipal).containsOnly("svc-ops");
  }

  @Test
  void theTokenOfARequestIsCheckedAsHttpsAuthorizationHeader() {
    // An operator of project blue defines a domain over Kafka; the start of it is theirs to send.
    String blue = TestKeys.token("kd-blue", io.virtflow.gateway.domain.Role.OPERATOR, "blue");
    CommandRequest define = request(null, define("kd-blue-1"));
    define.setToken(blue);
    send(null, define);
    assertThat(ended(define.getCommandId()).getString("status")).isIn("ACCEPTED", "RUNNING", "SUCCEEDED");

    CommandRequest none = request("kd-blue-1", Start.newBuilder().setPaused(false).build());
    none.setToken(null);
    none.setPrincipal("kd-blue");
    CommandRequest forged = request("kd-blue-1", Start.newBuilder().setPaused(false).build());
    forged.setToken(TestKeys.foreignMinter().mint("kd-blue", io.virtflow.gateway.domain.Role.ADMIN,
        List.of("blue"), Duration.ofHours(1)));
    CommandRequest viewer = request("kd-blue-1", Start.newBuilder().setPaused(false).build());
    viewer.setToken(TestKeys.token("kd-viewer", io.virtflow.gateway.domain.Role.VIEWER, "blue"));
    CommandRequest green = request("kd-blue-1", Start.newBuilder().setPaused(false).build());
    green.setToken(TestKeys.token("kd-green", io.virtflow.gateway.domain.Role.OPERATOR, "green"));
    for (CommandRequest r : List.of(none, forged, viewer, green)) {
      send("kd-blue-1", r);
    }
    JsonObject noneDoc = rejected(none.getCommandId());
    assertThat(noneDoc.getString("code")).isEqualTo("AUTH_FAILED");
    assertThat(rejected(forged.getCommandId()).getString("code")).isEqualTo("AUTH_FAILED");
    assertThat(rejected(viewer.getCommandId()).getString("code")).isEqualTo("ACCESS_DENIED");
    JsonObject greenDoc = rejected(green.getCommandId());
    assertThat(greenDoc.getString("code")).isEqualTo("NO_DOMAIN");
    assertThat(greenDoc.getString("message")).isEqualTo("no domain with id or name 'kd-blue-1'");
    // The request's own principal field is not believed: without a token it is anonymous.
    assertThat(statusesOf(none.getCommandId())).extracting(CommandStatus::getPrincipal).containsOnly("anonymous");
    assertThat(forwarded()).extracting(Command::getCommandId)
        .doesNotContain(none.getCommandId(), forged.getCommandId(), viewer.getCommandId(), green.getCommandId());

    // Each is audited, door KAFKA.
    await().atMost(Duration.ofSeconds(15)).until(() -> audited(List.of(define.getCommandId(), none.getCommandId(),
        forged.getCommandId(), viewer.getCommandId(), green.getCommandId())).size() == 5);
    Map<String, io.virtflow.schema.AuditRecord> audit = audited(List.of(define.getCommandId(), none.getCommandId(),
        forged.getCommandId(), viewer.getCommandId(), green.getCommandId()));
    assertThat(audit.values()).allMatch(r -> r.getDoor().equals("KAFKA") && r.getRemote().startsWith(
        bus.topics().commands() + "-"));
    assertThat(audit.get(define.getCommandId()).getOutcome()).isEqualTo("ACCEPTED");
    assertThat(audit.get(define.getCommandId()).getPrincipal()).isEqualTo("kd-blue");
    assertThat(audit.get(define.getCommandId()).getAction()).isEqualTo("DEFINE");
    assertThat(audit.get(none.getCommandId()).getOutcome()).isEqualTo("UNAUTHENTICATED");
    assertThat(audit.get(none.getCommandId()).getPrincipal()).isEqualTo("anonymous");
    assertThat(audit.get(viewer.getCommandId()).getOutcome()).isEqualTo("FORBIDDEN");
    assertThat(audit.get(green.getCommandId()).getOutcome()).isEqualTo("NOT_FOUND");
    assertThat(audit.get(green.getCommandId()).getAction()).isEqualTo("START");
  }

  private static Map<String, io.virtflow.schema.AuditRecord> audited(List<String> commandIds) {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().audit()).stream()
        .map(r -> Codecs.AUDIT_RECORD.decode(r.value()))
        .filter(r -> r.getCommandId() != null && commandIds.contains(r.getCommandId()))
        .collect(Collectors.toMap(io.virtflow.schema.AuditRecord::getCommandId, r -> r, (a, b) -> a));
  }

  @Test
  void theSameInvalidDefineGetsTheSameCodeAndMessageThroughEitherDoor() {
    RunningGateway.Answer http = gw.post("/v1/domains", "{\"name\":\"-bad\",\"host\":\"h1\",\"vcpus\":2,"
        + "\"memoryMiB\":1024,\"disks\":[{\"target\":\"vda\",\"sizeGiB\":10}]}");
    assertThat(http.status()).isEqualTo(400);
    CommandRequest r = defineRequest("-bad", "h1");
    send(null, r);
    JsonObject doc = rejected(r.getCommandId());
    assertThat(doc.getString("message")).isEqualTo(http.json().getString("detail"));
    // On the topic, keyed by command id, once.
    List<ConsumerRecord<String, byte[]>> onTopic = TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus())
        .stream().filter(rec -> r.getCommandId().equals(rec.key())).toList();
    assertThat(onTopic).hasSize(1);
    CommandStatus s = Codecs.COMMAND_STATUS.decode(onTopic.get(0).value());
    assertThat(s.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(s.getCode().name()).isEqualTo(http.json().getString("code")).isEqualTo("INVALID_ARG");
    assertThat(s.getMessage()).isEqualTo(http.json().getString("detail")).startsWith("name: ");
    assertThat(s.getOperation()).isEqualTo("Define");
    assertThat(s.getPrincipal()).isEqualTo("admin");
    assertThat(forwarded()).noneMatch(c -> c.getCommandId().equals(r.getCommandId()));
  }

  // ---- (b) every rejection code ----

  /** Sends through both doors; asserts the Kafka door's REJECTED equals HTTP's problem. */
  private static void sameRefusal(String method, String path, String body, String key, CommandRequest r,
      String code) {
    RunningGateway.Answer http = "DELETE".equals(method) ? gw.delete(path) : gw.post(path, body);
    assertThat(http.json().getString("code")).as(http.toString()).isEqualTo(code);
    send(key, r);
    JsonObject s = rejected(r.getCommandId());
    assertThat(s.getString("code")).as(s.encode()).isEqualTo(code);
    assertThat(s.getString("message")).isEqualTo(http.json().getString("detail"));
  }

  @Test
  void everyRefusalIsAnsweredOnCommandStatusWithHttpsCodeAndMessage() {
    String taken = "taken-k";
    String takenId = agent.existingDomain(taken);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/" + taken).status() == 200);
    String defineTaken = "{\"name\":\"" + taken + "\",\"host\":\"h1\",\"vcpus\":2,\"memoryMiB\":1024,"
        + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":10}]}";

    sameRefusal("POST", "/v1/domains", defineTaken.replace("\"vcpus\":2", "\"vcpus\":0"), null,
        withVcpus(defineRequest(taken, "h1"), 0), "INVALID_ARG");
    CommandRequest tooLong = request(taken, Start.newBuilder().setPaused(false).build());
    tooLong.setTimeoutMs(300_001L);
    sameRefusal("POST", "/v1/domains/" + taken + "/start?timeoutMs=300001", null, taken, tooLong, "INVALID_ARG");
    sameRefusal("POST", "/v1/domains/nowhere/start", null, "nowhere",
        request("nowhere", Start.newBuilder().setPaused(false).build()), "NO_DOMAIN");
    sameRefusal("POST", "/v1/domains", defineTaken.replace("\"" + taken + "\"", "\"fresh-k\"").replace("h1", "h9"),
        null, defineRequest("fresh-k", "h9"), "NO_HOST");
    sameRefusal("POST", "/v1/domains", defineTaken, null, defineRequest(taken, "h1"), "OPERATION_INVALID");

    // Cancel of a command that already ended.
    RunningGateway.Answer done = gw.post("/v1/domains/" + taken + "/start", null);
    String doneId = done.json().getString("commandId");
    assertThat(ended(doneId).getString("status")).isEqualTo("SUCCEEDED");
    sameRefusal("POST", "/v1/commands/" + doneId + "/cancel", null, null,
        request(null, Cancel.newBuilder().setTargetCommandId(doneId).build()), "OPERATION_INVALID");

    // Undefine of a domain with snapshots needs snapshotsMetadata: not testable without a catalog here; the
    // unsupported cancel of a snapshot request is OPERATION_UNSUPPORTED.
    RunningGateway.Answer reconcile = gw.post("/v1/domains/" + taken + "/snapshots/reconcile", null);
    String reconcileId = reconcile.json().getString("commandId");
    sameRefusal("POST", "/v1/commands/" + reconcileId + "/cancel", null, null,
        request(null, Cancel.newBuilder().setTargetCommandId(reconcileId).build()), "OPERATION_UNSUPPORTED");

    // No host UP to place a define on.
    agent.sayDown();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> "DOWN".equals(gw.get("/v1/hosts").json()
          .getJsonArray("hosts").getJsonObject(0).getString("status")));
      sameRefusal("POST", "/v1/domains", "{\"name\":\"placed-k\",\"vcpus\":1,\"memoryMiB\":256}", null,
          request(null, Define.newBuilder().setName("placed-k").setVcpus(1).setMemoryMiB(256).setDisks(List.of())
              .build()), "HOST_UNAVAILABLE");
    } finally {
      agent.heartbeatEvery(Duration.ofMillis(500));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(gw.get("/v1/hosts").json()
        .getJsonArray("hosts").getJsonObject(0).getString("status")));

    // What HTTP cannot even express is refused too, naming the field.
    CommandRequest withPath = defineRequest("pathy-k", "h1");
    ((Define) withPath.getPayload()).getDisks().get(0).setPath("/etc/passwd");
    send(null, withPath);
    assertThat(rejected(withPath.getCommandId()).getString("message")).startsWith("disks[0].path: ");
    CommandRequest hostOnStart = request(takenId, Start.newBuilder().setPaused(false).build());
    hostOnStart.setHost("h1");
    send(takenId, hostOnStart);
    assertThat(rejected(hostOnStart.getCommandId()).getString("message")).isEqualTo("host: only a Define names a host");
    assertThat(forwarded()).extracting(Command::getCommandId)
        .doesNotContain(withPath.getCommandId(), hostOnStart.getCommandId());
  }

  private static CommandRequest withVcpus(CommandRequest r, int vcpus) {
    ((Define) r.getPayload()).setVcpus(vcpus);
    return r;
  }

  // ---- (c) duplicates ----

  @Test
  void aDuplicateCommandIdIsForwardedOnceEvenAfterARestart() {
    String id = agent.existingDomain("dup-k");
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/dup-k").status() == 200);
    CommandRequest start = request(id, Start.newBuilder().setPaused(false).build());
    CommandRequest bad = request("no-such-dup", Start.newBuilder().setPaused(false).build());
    send(id, start);
    send(id, start);
    send("no-such-dup", bad);
    send("no-such-dup", bad);
    assertThat(ended(start.getCommandId()).getString("status")).isEqualTo("SUCCEEDED");
    rejected(bad.getCommandId());

    // A restarted gateway knows both ids from command.status alone.
    gw.close();
    gw = startGateway();
    assertThat(gw.gateway.health().report().getJsonObject("checks").getJsonObject("router").getString("status"))
        .isEqualTo("UP");
    send(id, start);
    send("no-such-dup", bad);
    CommandRequest marker = request(id, Start.newBuilder().setPaused(false).build());
    send(id, marker);
    // Same key, decided in order: once the marker is decided, so are the duplicates before it.
    await().atMost(Duration.ofSeconds(15)).until(() -> !statusesOf(marker.getCommandId()).isEmpty());
    await().atMost(Duration.ofSeconds(15)).until(() -> gw.gateway.router().handled() >= 3);

    assertThat(forwarded()).filteredOn(c -> c.getCommandId().equals(start.getCommandId())).hasSize(1);
    // One ACCEPTED (the agent's statuses may be on the topic before it, as over HTTP).
    assertThat(statusesOf(start.getCommandId())).extracting(CommandStatus::getStatus)
        .containsExactlyInAnyOrder(CommandStatusCode.ACCEPTED, CommandStatusCode.RUNNING, CommandStatusCode.SUCCEEDED);
    assertThat(statusesOf(bad.getCommandId())).hasSize(1);
  }

  // ---- (d) poison ----

  @Test
  void undecodableRecordsGoToTheDeadLetterTopicAndTheRouterCarriesOn() {
    send("junk", "not avro".getBytes(StandardCharsets.UTF_8));
    CommandRequest noId = request("whatever", Start.newBuilder().setPaused(false).build());
    noId.setCommandId("not-a-uuid");
    send("whatever", noId);
    CommandRequest after = request("nowhere-d", Start.newBuilder().setPaused(false).build());
    send("nowhere-d", after);
    rejected(after.getCommandId());

    await().atMost(Duration.ofSeconds(15)).until(() -> TopicProbe.readAll(bus.bootstrap(), bus.topics().dlq()).size() >= 2);
    List<ConsumerRecord<String, byte[]>> dead = TopicProbe.readAll(bus.bootstrap(), bus.topics().dlq());
    Map<String, String> reasons = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : dead) {
      assertThat(header(r, DeadLetters.SOURCE_TOPIC)).isEqualTo(bus.topics().commands());
      assertThat(header(r, DeadLetters.CONSUMER)).isEqualTo(bus.topics().namespace() + "-gateway-router");
      reasons.put(r.key(), header(r, DeadLetters.ERROR));
    }
    assertThat(reasons).containsKeys("junk", "whatever");
    assertThat(reasons.get("whatever")).contains("commandId 'not-a-uuid' is not a UUID");
    assertThat(new String(dead.stream().filter(r -> "junk".equals(r.key())).findFirst().orElseThrow().value(),
        StandardCharsets.UTF_8)).isEqualTo("not avro");
    assertThat(gw.gateway.health().isUp()).isTrue();
  }

  private static String header(ConsumerRecord<String, byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  // ---- (e) load ----

  @Test
  void tenThousandMixedRequestsEachGetExactlyOneOutcomeWithinTheInFlightBound() throws Exception {
    List<String> domains = new ArrayList<>();
    // Records of one key are decided in order: many keys, so that many are decided at once.
    for (int i = 0; i < 64; i++) {
      domains.add(agent.existingDomain("load-" + i));
    }
    for (int i = 0; i < 64; i++) {
      String name = "load-" + i;
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/" + name).status() == 200);
    }
    long t0 = System.nanoTime();
    agent.autoComplete(false);
    long handledBefore = gw.gateway.router().handled();
    Random random = new Random(42);
    Set<String> valid = new HashSet<>();
    Set<String> invalid = new HashSet<>();
    List<ProducerRecord<String, byte[]>> sent = new ArrayList<>();
    int total = 10_000;
    try {
      for (int i = 0; i < total; i++) {
        ProducerRecord<String, byte[]> rec;
        if (i > 100 && random.nextInt(5) == 0) {
          ProducerRecord<String, byte[]> earlier = sent.get(random.nextInt(sent.size()));
          rec = new ProducerRecord<>(earlier.topic(), earlier.key(), earlier.value());
        } else if (random.nextInt(4) == 0) {
          CommandRequest r = random.nextBoolean() ? request("missing-" + i, Start.newBuilder().setPaused(false).build())
              : request(domains.get(random.nextInt(domains.size())), Undefine.newBuilder().setForce(false)
                  .setSnapshotsMetadata(false).setRemoveStorage(false).build());
          if (r.getPayload() instanceof Undefine) {
            r.setTimeoutMs(0L); // out of range: INVALID_ARG
          }
          invalid.add(r.getCommandId());
          rec = new ProducerRecord<>(bus.topics().commands(), r.getDomain(), Codecs.COMMAND_REQUEST.encode(r));
        } else {
          CommandRequest r = request(domains.get(random.nextInt(domains.size())),
              Start.newBuilder().setPaused(false).build());
          valid.add(r.getCommandId());
          rec = new ProducerRecord<>(bus.topics().commands(), r.getDomain(), Codecs.COMMAND_REQUEST.encode(r));
        }
        sent.add(rec);
        producer.send(rec);
      }
      producer.flush();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> gw.gateway.router().handled() - handledBefore >= total);
    } finally {
      agent.autoComplete(true);
    }
    System.out.printf("KafkaDoorTest: %d requests decided in %d ms, peak in flight %d%n", total,
        (System.nanoTime() - t0) / 1_000_000, gw.gateway.router().peakInFlight());

    assertThat(gw.gateway.router().peakInFlight()).isBetween(2, MAX_IN_FLIGHT);
    Map<String, List<CommandStatus>> byId = statuses().stream()
        .filter(s -> valid.contains(s.getCommandId()) || invalid.contains(s.getCommandId()))
        .collect(Collectors.groupingBy(CommandStatus::getCommandId));
    assertThat(byId.keySet()).hasSize(valid.size() + invalid.size());
    byId.forEach((id, list) -> {
      assertThat(list).as(id).hasSize(1);
      assertThat(list.get(0).getStatus()).as(id)
          .isEqualTo(valid.contains(id) ? CommandStatusCode.ACCEPTED : CommandStatusCode.REJECTED);
    });
    Map<String, Long> forwardedCount = forwarded().stream().map(Command::getCommandId)
        .filter(id -> valid.contains(id) || invalid.contains(id))
        .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    assertThat(forwardedCount.keySet()).isEqualTo(valid);
    assertThat(forwardedCount.values()).containsOnly(1L);
    assertThat(gw.gateway.router().inFlight()).isZero();
  }
}
