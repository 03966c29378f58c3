package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.Reboot;
import io.virtflow.schema.Resume;
import io.virtflow.schema.Shutdown;
import io.virtflow.schema.Start;
import io.virtflow.schema.Suspend;
import io.virtflow.schema.Undefine;

/** The command path through HTTP against the real broker, with a test agent on host h1. */
class CommandPathTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.MAX_WAIT_MS, "1500"));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
  }

  private static String defineBody(String name) {
    return "{\"name\":\"" + name + "\",\"host\":\"h1\",\"vcpus\":2,\"memoryMiB\":1024,"
        + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":10},{\"target\":\"vdb\",\"sizeGiB\":20}]}";
  }

  private static List<Command> hostCommands() {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1")).stream()
        .map(r -> Codecs.COMMAND.decode(r.value())).toList();
  }

  private static ConsumerRecord<String, byte[]> hostRecord(String commandId) {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1")).stream()
        .filter(r -> Codecs.COMMAND.decode(r.value()).getCommandId().equals(commandId)).findFirst().orElseThrow();
  }

  private static JsonObject accepted(RunningGateway.Answer a) {
    assertThat(a.status()).as(a.toString()).isEqualTo(202);
    JsonObject body = a.json();
    assertThat(body.getString("status")).isEqualTo("ACCEPTED");
    assertThat(a.header("Location")).isEqualTo("/v1/commands/" + body.getString("commandId"));
    return body;
  }

  @Test
  void aDefineIsAnswered202OnlyOnceItIsOnTheHostTopic() {
    RunningGateway.Answer a = gw.post("/v1/domains", defineBody("web-1"));
    JsonObject body = accepted(a);
    String commandId = body.getString("commandId");
    String domainId = body.getString("domainId");

    // Read back at once: a 202 means Kafka already has it.
    ConsumerRecord<String, byte[]> rec = hostRecord(commandId);
    assertThat(rec.key()).isEqualTo(domainId);
    Command c = Codecs.COMMAND.decode(rec.value());
    assertThat(c.getDomainId()).isEqualTo(domainId);
    assertThat(c.getHostId()).isEqualTo("h1");
    // The token's subject and the define's project travel with the command.
    assertThat(c.getPrincipal()).isEqualTo("admin");
    assertThat(c.getProject()).isEqualTo(TestKeys.PROJECT);
    assertThat(Duration.between(c.getIssuedAt(), c.getDeadline())).isEqualTo(Duration.ofMinutes(5));
    Define d = (Define) c.getPayload();
    assertThat(d.getName()).isEqualTo("web-1");
    assertThat(d.getVcpus()).isEqualTo(2);
    assertThat(d.getMemoryMiB()).isEqualTo(1024);
    assertThat(d.getDisks()).extracting(io.virtflow.schema.Disk::getTarget).containsExactly("vda", "vdb");

    await().atMost(Duration.ofSeconds(10)).until(() -> TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus())
        .stream().map(r -> Codecs.COMMAND_STATUS.decode(r.value()))
        .anyMatch(s -> s.getCommandId().equals(commandId) && s.getStatus() == CommandStatusCode.ACCEPTED
            && "Define".equals(s.getOperation()) && domainId.equals(s.getDomainId())));

    JsonObject status = gw.get("/v1/commands/" + commandId).json();
    assertThat(status.getString("status")).isEqualTo("ACCEPTED");
    assertThat(status.getString("operation")).isEqualTo("Define");
    assertThat(status.getString("hostId")).isEqualTo("h1");
    assertThat(status.getString("domainId")).isEqualTo(domainId);
    assertThat(status.getJsonArray("history")).hasSize(1);
  }

  @Test
  void defineThenStartAtOnceGoInOrderToTheSamePartition() {
    JsonObject define = accepted(gw.post("/v1/domains",
        "{\"name\":\"quick-1\",\"vcpus\":1,\"memoryMiB\":256}"));
    String domainId = define.getString("domainId");
    JsonObject start = accepted(gw.post("/v1/domains/quick-1/start", null));
    JsonObject stop = accepted(gw.post("/v1/domains/" + domainId.toUpperCase() + "/shutdown", ""));
    assertThat(start.getString("domainId")).isEqualTo(domainId);
    assertThat(stop.getString("domainId")).isEqualTo(domainId);

    ConsumerRecord<String, byte[]> d = hostRecord(define.getString("commandId"));
    ConsumerRecord<String, byte[]> s = hostRecord(start.getString("commandId"));
    ConsumerRecord<String, byte[]> t = hostRecord(stop.getString("commandId"));
    assertThat(s.partition()).isEqualTo(d.partition()).isEqualTo(t.partition());
    assertThat(d.offset()).isLessThan(s.offset());
    assertThat(s.offset()).isLessThan(t.offset());

    JsonObject pending = gw.get("/v1/domains/quick-1").json();
    assertThat(pending.getBoolean("pending")).isTrue();
    assertThat(pending.getString("domainId")).isEqualTo(domainId);
    assertThat(gw.get("/v1/domains").json().getJsonArray("domains").stream()
        .map(o -> ((JsonObject) o).getString("name"))).contains("quick-1");
  }

  @Test
  void everyLifecycleOperationReachesTheAgentForAKnownDomain() {
    String id = agent.existingDomain("db-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/db-1").status() == 200);
    JsonObject view = gw.get("/v1/domains/" + id).json();
    assertThat(view.getString("name")).isEqualTo("db-1");
    assertThat(view.getString("host")).isEqualTo("h1");
    assertThat(view.getString("state")).isEqualTo("SHUTOFF");
    assertThat(view.getBoolean("pending")).isFalse();
    assertThat(view.getJsonArray("disks").getJsonObject(0).getString("path")).isEqualTo("/pool/db-1-vda.qcow2");
    assertThat(view.getJsonArray("disks").getJsonObject(0).getString("format")).isEqualTo("qcow2");
    assertThat(view.getLong("version")).isEqualTo(1);
    assertThat(view.getInteger("snapshotCount")).isZero();

    String start = accepted(gw.post("/v1/domains/db-1/start", "{\"paused\":true}")).getString("commandId");
    String shutdown = accepted(gw.post("/v1/domains/db-1/shutdown", "{}")).getString("commandId");
    String reboot = accepted(gw.post("/v1/domains/db-1/reboot", null)).getString("commandId");
    String destroy = accepted(gw.post("/v1/domains/db-1/destroy", null)).getString("commandId");
    String suspend = accepted(gw.post("/v1/domains/db-1/suspend", null)).getString("commandId");
    String resume = accepted(gw.post("/v1/domains/db-1/resume?timeoutMs=5000", null)).getString("commandId");
    String undefine = accepted(gw.delete("/v1/domains/db-1?force=true&removeStorage&snapshotsMetadata=false"))
        .getString("commandId");

    Map<String, Command> sent = new java.util.HashMap<>();
    hostCommands().forEach(c -> sent.put(c.getCommandId(), c));
    java.util.function.Function<String, Command> command = sent::get;
    assertThat(((Start) command.apply(start).getPayload()).getPaused()).isTrue();
    assertThat(command.apply(shutdown).getPayload()).isInstanceOf(Shutdown.class);
    assertThat(command.apply(reboot).getPayload()).isInstanceOf(Reboot.class);
    assertThat(command.apply(destroy).getPayload()).isInstanceOf(Destroy.class);
    assertThat(command.apply(suspend).getPayload()).isInstanceOf(Suspend.class);
    Command r = command.apply(resume);
    assertThat(r.getPayload()).isInstanceOf(Resume.class);
    assertThat(Duration.between(r.getIssuedAt(), r.getDeadline())).isEqualTo(Duration.ofSeconds(5));
    Undefine u = (Undefine) command.apply(undefine).getPayload();
    assertThat(u.getForce()).isTrue();
    assertThat(u.getRemoveStorage()).isTrue();
    assertThat(u.getSnapshotsMetadata()).isFalse();
    for (String c : List.of(start, shutdown, reboot, destroy, suspend, resume, undefine)) {
      assertThat(command.apply(c).getDomainId()).isEqualTo(id);
    }
    assertThat(gw.get("/v1/commands/" + undefine).json().getString("operation")).isEqualTo("Undefine");
  }

  @Test
  void aNameInUseIsAConflict() {
    agent.existingDomain("taken-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/taken-1").status() == 200);
    long before = hostCommands().size();
    RunningGateway.Answer a = gw.post("/v1/domains", defineBody("taken-1"));
    assertThat(a.status()).isEqualTo(409);
    assertThat(a.contentType()).isEqualTo("application/problem+json");
    assertThat(a.json().getString("code")).isEqualTo("OPERATION_INVALID");

    accepted(gw.post("/v1/domains", defineBody("pending-1")));
    RunningGateway.Answer again = gw.post("/v1/domains", defineBody("pending-1"));
    assertThat(again.status()).isEqualTo(409);
    assertThat(hostCommands()).hasSize((int) before + 1);
  }

  @Test
  void aLongPollReturnsAsSoonAsTheAgentFinishes() throws Exception {
    String commandId = accepted(gw.post("/v1/domains", defineBody("poll-1"))).getString("commandId");
    Command c = agent.awaitCommand(commandId);
    long t0 = System.nanoTime();
    CompletableFuture<RunningGateway.Answer> poll = gw.getAsync("/v1/commands/" + commandId + "?waitMs=60000");
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !poll.isDone());
    agent.status(c, CommandStatusCode.RUNNING);
    agent.status(c, CommandStatusCode.SUCCEEDED, null, null, DomainStateCode.SHUTOFF);
    RunningGateway.Answer a = poll.get(10, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    JsonObject status = a.json();
    assertThat(status.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(status.getBoolean("terminal")).isTrue();
    assertThat(status.getString("domainState")).isEqualTo("SHUTOFF");
    assertThat(status.getJsonArray("history").stream().map(o -> ((JsonObject) o).getString("status")))
        .containsExactly("ACCEPTED", "RUNNING", "SUCCEEDED");
    assertThat(status.getString("updatedAt")).isNotNull();
  }

  @Test
  void aLongPollEndsWithTheCurrentStatusWhenTheWaitIsOverAndTheWaitIsCapped() {
    String commandId = accepted(gw.post("/v1/domains", defineBody("poll-2"))).getString("commandId");
    long t0 = System.nanoTime();
    RunningGateway.Answer a = gw.get("/v1/commands/" + commandId + "?waitMs=400");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    assertThat(a.json().getString("status")).isEqualTo("ACCEPTED");

    t0 = System.nanoTime();
    RunningGateway.Answer capped = gw.get("/v1/commands/" + commandId + "?waitMs=600000");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(took).isBetween(Duration.ofMillis(1400), Duration.ofSeconds(10));
    assertThat(capped.json().getString("status")).isEqualTo("ACCEPTED");
  }

  @Test
  void statusesReadOutOfOrderNeverMoveBackwards() {
    String commandId = accepted(gw.post("/v1/domains", defineBody("order-1"))).getString("commandId");
    Command c = agent.awaitCommand(commandId);
    agent.status(c, CommandStatusCode.FAILED, ErrorCode.DRIVER_ERROR, "disk full", DomainStateCode.SHUTOFF);
    agent.status(c, CommandStatusCode.RUNNING);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/commands/" + commandId).json()
        .getJsonArray("history").size() == 3);
    JsonObject status = gw.get("/v1/commands/" + commandId).json();
    assertThat(status.getString("status")).isEqualTo("FAILED");
    assertThat(status.getString("code")).isEqualTo("DRIVER_ERROR");
    assertThat(status.getString("message")).isEqualTo("disk full");
    JsonArray history = status.getJsonArray("history");
    assertThat(history.stream().map(o -> ((JsonObject) o).getString("status")))
        .containsExactly("ACCEPTED", "RUNNING", "FAILED");
  }

  @Test
  void aFailedDefineFreesItsNameAndItsDomainIsNoLongerAddressable() {
    String commandId = accepted(gw.post("/v1/domains", defineBody("fail-1"))).getString("commandId");
    agent.status(agent.awaitCommand(commandId), CommandStatusCode.REJECTED, ErrorCode.INVALID_ARG, "no", null);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/commands/" + commandId).json()
        .getString("status").equals("REJECTED"));
    RunningGateway.Answer start = gw.post("/v1/domains/fail-1/start", null);
    assertThat(start.status()).isEqualTo(404);
    assertThat(start.json().getString("code")).isEqualTo("NO_DOMAIN");
    accepted(gw.post("/v1/domains", defineBody("fail-1")));
  }

  @Test
  void cancelSendsACancelToTheTargetsHostKeyedByItsDomain() {
    JsonObject define = accepted(gw.post("/v1/domains", defineBody("cancel-1")));
    String target = define.getString("commandId");
    JsonObject cancel = accepted(gw.post("/v1/commands/" + target + "/cancel", null));
    assertThat(cancel.getString("commandId")).isNotEqualTo(target);
    assertThat(cancel.getString("domainId")).isEqualTo(define.getString("domainId"));

    ConsumerRecord<String, byte[]> rec = hostRecord(cancel.getString("commandId"));
    assertThat(rec.key()).isEqualTo(define.getString("domainId"));
    assertThat(rec.partition()).isEqualTo(hostRecord(target).partition());
    Command c = Codecs.COMMAND.decode(rec.value());
    assertThat(((Cancel) c.getPayload()).getTargetCommandId()).isEqualTo(target);
    assertThat(gw.get("/v1/commands/" + cancel.getString("commandId")).json().getString("operation"))
        .isEqualTo("Cancel");
  }

  @Test
  void cancelOfAnUnknownOrFinishedCommandIsRefused() {
    RunningGateway.Answer unknown = gw.post("/v1/commands/" + UUID.randomUUID() + "/cancel", null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.contentType()).isEqualTo("application/problem+json");

    String target = accepted(gw.post("/v1/domains", defineBody("cancel-2"))).getString("commandId");
    agent.status(agent.awaitCommand(target), CommandStatusCode.SUCCEEDED);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/commands/" + target).json()
        .getBoolean("terminal"));
    long before = hostCommands().size();
    RunningGateway.Answer late = gw.post("/v1/commands/" + target + "/cancel", null);
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.json().getString("code")).isEqualTo("OPERATION_INVALID");
    assertThat(hostCommands()).hasSize((int) before);
  }

  @Test
  void schemasAndHealthAreServed() {
    RunningGateway.Answer schemas = gw.get("/v1/schemas");
    assertThat(schemas.status()).isEqualTo(200);
    assertThat(schemas.json().getString("Command.avsc")).contains("\"name\": \"Command\"");
    io.vertx.core.json.JsonObject event = schemas.json().getJsonObject("messages")
        .getJsonObject("io.virtflow.schema.DomainEvent");
    byte[] encoded = io.virtflow.schema.Codecs.DOMAIN_EVENT.encode(io.virtflow.schema.DomainEvent.newBuilder()
        .setEventId("e").setDomainId("d").setDomainName("n").setHostId("h")
        .setType(io.virtflow.schema.EventType.STARTED).setDetail(io.virtflow.schema.EventDetail.BOOTED)
        .setState(io.virtflow.schema.DomainStateCode.RUNNING).setReason(io.virtflow.schema.StateReason.BOOTED)
        .setAt(java.time.Instant.EPOCH).build());
    StringBuilder header = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      header.append(String.format("%02x", encoded[i]));
    }
    assertThat(event.getString("header")).isEqualTo(header.toString());
    // The fingerprint is the header's 8 CRC bytes read big-endian, all 16 digits (DomainEvent's starts with 0).
    StringBuilder fingerprint = new StringBuilder();
    for (int i = 9; i >= 2; i--) {
      fingerprint.append(String.format("%02x", encoded[i]));
    }
    assertThat(event.getString("fingerprint")).isEqualTo(fingerprint.toString()).hasSize(16);
    assertThat(event.getJsonObject("schema").getString("name")).isEqualTo("DomainEvent");
    RunningGateway.Answer health = gw.get("/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().getString("status")).isEqualTo("UP");
    assertThat(health.json().getJsonObject("checks").fieldNames()).contains("projections", "producer");
    assertThat(gw.gateway.health().isUp()).isTrue();
  }

  @Test
  void statusDocumentsCarryWhatTheAgentReported() {
    String commandId = accepted(gw.post("/v1/domains", defineBody("status-1"))).getString("commandId");
    Command c = agent.awaitCommand(commandId);
    agent.status(c, CommandStatusCode.REJECTED, ErrorCode.OPERATION_INVALID, "already defined",
        DomainStateCode.RUNNING);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/commands/" + commandId).json()
        .getBoolean("terminal"));
    JsonObject s = gw.get("/v1/commands/" + commandId.toUpperCase()).json();
    assertThat(s.getString("code")).isEqualTo("OPERATION_INVALID");
    assertThat(s.getString("domainState")).isEqualTo("RUNNING");
    assertThat(s.getString("message")).isEqualTo("already defined");
    List<CommandStatus> written = TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus()).stream()
        .map(r -> Codecs.COMMAND_STATUS.decode(r.value())).filter(x -> x.getCommandId().equals(commandId)).toList();
    assertThat(written).extracting(CommandStatus::getStatus).contains(CommandStatusCode.ACCEPTED,
        CommandStatusCode.REJECTED);
  }
}
