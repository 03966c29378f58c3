package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.ReconcileSnapshots;
import io.virtflow.schema.RevertSnapshot;
import io.virtflow.schema.RevertStart;
import io.virtflow.schema.SnapshotKindCode;
import io.virtflow.schema.SnapshotPhase;
import io.virtflow.schema.SnapshotRequest;
import io.virtflow.schema.Start;
import io.virtflow.schema.Undefine;

/**
 * The snapshot endpoints against the real broker: a test agent on h1 publishes domain states, a test
 * double plays the snapshot service. Each test works on domains of its own.
 */
class SnapshotApiTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static TestSnapshotService service;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").heartbeat();
    service = TestSnapshotService.start(bus);
    gw = RunningGateway.start(bus);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    service.close();
    agent.close();
  }

  private static String domain(String name) {
    String id = agent.existingDomain(name);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/" + name).status() == 200);
    return id;
  }

  /** A running domain with or without a guest agent channel (quiesce needs one). */
  private static String runningDomain(String name, boolean guestAgent) {
    String id = java.util.UUID.randomUUID().toString();
    agent.state(agent.stateOf(id, name, io.virtflow.schema.DomainStateCode.RUNNING, 1, null).setGuestAgent(guestAgent)
        .build());
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/" + name).status() == 200);
    return id;
  }

  private static JsonObject accepted(RunningGateway.Answer a) {
    assertThat(a.status()).as(a.toString()).isEqualTo(202);
    JsonObject body = a.json();
    assertThat(body.getString("status")).isEqualTo("ACCEPTED");
    assertThat(a.header("Location")).isEqualTo("/v1/commands/" + body.getString("commandId"));
    return body;
  }

  /** The command's status once it ended (for a snapshot command: with its catalog in the projection). */
  private static JsonObject ended(JsonObject accepted) {
    JsonObject s = gw.get("/v1/commands/" + accepted.getString("commandId") + "?waitMs=15000").json();
    assertThat(s.getBoolean("terminal")).as(s.encode()).isTrue();
    return s;
  }

  private static JsonObject succeeded(RunningGateway.Answer a) {
    JsonObject s = ended(accepted(a));
    assertThat(s.getString("status")).as(s.encode()).isEqualTo("SUCCEEDED");
    return s;
  }

  private static String create(String kind, String name) {
    return "{\"name\":\"" + name + "\",\"kind\":\"" + kind + "\"}";
  }

  private static List<SnapshotRequest> requestsOnTopic() {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().snapshotRequests()).stream()
        .map(r -> Codecs.SNAPSHOT_REQUEST.decode(r.value())).toList();
  }

  private static Map<String, JsonObject> byName(JsonObject tree) {
    return tree.getJsonArray("snapshots").stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(s -> s.getString("name"), Function.identity()));
  }

  private static List<String> names(JsonArray a) {
    return a.stream().map(o -> o instanceof JsonObject j ? j.getString("name") : (String) o).toList();
  }

  @Test
  void quiesceOfARunningDomainWithoutAGuestAgentIsRefusedUpFront() {
    String id = runningDomain("snap-no-agent", false);
    String quiesce = "{\"name\":\"frozen\",\"kind\":\"EXTERNAL\",\"quiesce\":true}";
    RunningGateway.Answer a = gw.post("/v1/domains/snap-no-agent/snapshots", quiesce);
    assertThat(a.status()).as(a.toString()).isEqualTo(409);
    assertThat(a.json().getString("code")).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(a.json().getString("detail")).contains("quiesce needs a guest agent", "snap-no-agent");
    assertThat(requestsOnTopic()).noneMatch(r -> r.getDomainId().equals(id));
    // Without quiesce the same domain's snapshot is asked for as before; with a guest agent, quiesce is too.
    accepted(gw.post("/v1/domains/snap-no-agent/snapshots", "{\"name\":\"plain\",\"kind\":\"EXTERNAL\"}"));
    runningDomain("snap-agent", true);
    accepted(gw.post("/v1/domains/snap-agent/snapshots", quiesce));
  }

  @Test
  void aCreateIsOnSnapshotRequestsWhenAnsweredAndItsSnapshotShowsOnceItEnded() {
    String id = domain("snap-create");
    RunningGateway.Answer a = gw.post("/v1/domains/snap-create/snapshots",
        "{\"name\":\"before-upgrade\",\"kind\":\"INTERNAL\",\"description\":\"pre 2.0\",\"quiesce\":true}");
    JsonObject body = accepted(a);
    String commandId = body.getString("commandId");
    assertThat(body.getString("domainId")).isEqualTo(id);

    // Read back at once: a 202 means Kafka already has it, keyed by domain id.
    ConsumerRecord<String, byte[]> rec = TopicProbe.readAll(bus.bootstrap(), bus.topics().snapshotRequests()).stream()
        .filter(r -> Codecs.SNAPSHOT_REQUEST.decode(r.value()).getCommandId().equals(commandId)).findFirst()
        .orElseThrow();
    assertThat(rec.key()).isEqualTo(id);
    SnapshotRequest r = Codecs.SNAPSHOT_REQUEST.decode(rec.value());
    assertThat(r.getDomainId()).isEqualTo(id);
    assertThat(r.getPrincipal()).isEqualTo("admin");
    assertThat(r.getRequestHash()).hasSize(64);
    assertThat(Duration.between(r.getIssuedAt(), r.getDeadline())).isEqualTo(Duration.ofMinutes(5));
    CreateSnapshot c = (CreateSnapshot) r.getPayload();
    assertThat(c.getName()).isEqualTo("before-upgrade");
    assertThat(c.getKind()).isEqualTo(SnapshotKindCode.INTERNAL);
    assertThat(c.getDescription()).isEqualTo("pre 2.0");
    assertThat(c.getQuiesce()).isTrue();
    assertThat(c.getMemory()).isFalse();
    // Nothing went to the host's command topic.
    assertThat(TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1")).stream()
        .map(x -> Codecs.COMMAND.decode(x.value()).getCommandId())).doesNotContain(commandId);
    List<CommandStatus> statuses = TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus()).stream()
        .map(x -> Codecs.COMMAND_STATUS.decode(x.value())).filter(s -> s.getCommandId().equals(commandId)).toList();
    assertThat(statuses).anySatisfy(s -> {
      assertThat(s.getStatus()).isEqualTo(CommandStatusCode.ACCEPTED);
      assertThat(s.getOperation()).isEqualTo("CreateSnapshot");
      assertThat(s.getHostId()).isEqualTo("h1");
      assertThat(s.getDomainId()).isEqualTo(id);
    });

    JsonObject status = ended(body);
    assertThat(status.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(status.getString("operation")).isEqualTo("CreateSnapshot");
    assertThat(status.getString("jobId")).isEqualTo(TestSnapshotService.workflowId(commandId));
    // No waiting: a long poll on a snapshot command answers once its catalog is in the projection too.
    JsonObject tree = gw.get("/v1/domains/snap-create/snapshots").json();
    assertThat(tree.getString("current")).isEqualTo("before-upgrade");
    assertThat(tree.getValue("inProgress")).isNull();
    JsonObject one = gw.get("/v1/domains/" + id + "/snapshots/before-upgrade").json();
    assertThat(one).isEqualTo(tree.getJsonArray("snapshots").getJsonObject(0));
    assertThat(one.getString("parent")).isNull();
    assertThat(one.getJsonArray("children")).isEmpty();
    assertThat(one.getBoolean("current")).isTrue();
    assertThat(one.getString("kind")).isEqualTo("INTERNAL");
    assertThat(one.getString("description")).isEqualTo("pre 2.0");
    assertThat(one.getString("state")).isEqualTo("SHUTOFF");
    assertThat(one.getString("createdAt")).isNotNull();
    assertThat(one.getJsonObject("indications")).isEqualTo(new JsonObject().put("online", false)
        .put("quiesced", true).put("paused", false));
    assertThat(one.getJsonArray("disks")).containsExactly(new JsonObject().put("target", "vda")
        .put("file", "/pool/" + id + "-vda.qcow2").put("tag", "before-upgrade"));

    JsonObject view = gw.get("/v1/domains/snap-create").json();
    assertThat(view.getInteger("snapshotCount")).isEqualTo(1);
    assertThat(view.getJsonArray("disks").getJsonObject(0).getString("path")).isEqualTo("/pool/snap-create-vda.qcow2");
    assertThat(gw.get("/v1/domains").json().getJsonArray("domains").stream().map(JsonObject.class::cast)
        .filter(d -> d.getString("name").equals("snap-create")).findFirst().orElseThrow()
        .getInteger("snapshotCount")).isEqualTo(1);
  }

  @Test
  void theTreeShowsParentsChildrenAndTheCurrentSnapshotThroughRevertsAndDeletes() {
    String id = domain("snap-tree");
    String base = "/v1/domains/snap-tree/snapshots";
    succeeded(gw.post(base, create("INTERNAL", "s1")));
    succeeded(gw.post(base, create("EXTERNAL", "s2")));
    succeeded(gw.post(base, create("INTERNAL", "s3")));
    JsonObject revert = succeeded(gw.post(base + "/s1/revert", "{\"start\":\"RUNNING\"}"));
    succeeded(gw.post(base, create("INTERNAL", "s4")));

    JsonObject tree = gw.get(base).json();
    assertThat(tree.getString("current")).isEqualTo("s4");
    assertThat(tree.getString("domainId")).isEqualTo(id);
    assertThat(names(tree.getJsonArray("snapshots"))).containsExactly("s1", "s2", "s3", "s4");
    Map<String, JsonObject> s = byName(tree);
    assertThat(names(s.get("s1").getJsonArray("children"))).containsExactly("s2", "s4");
    assertThat(names(s.get("s2").getJsonArray("children"))).containsExactly("s3");
    assertThat(s.get("s3").getString("parent")).isEqualTo("s2");
    assertThat(s.get("s4").getString("parent")).isEqualTo("s1");
    assertThat(s.values().stream().filter(x -> x.getBoolean("current")).map(x -> x.getString("name")))
        .containsExactly("s4");
    // An external snapshot names its overlay and no tag.
    JsonObject disk = s.get("s2").getJsonArray("disks").getJsonObject(0);
    assertThat(disk.fieldNames()).containsExactlyInAnyOrder("target", "file", "overlay");
    assertThat(s.get("s2").getString("kind")).isEqualTo("EXTERNAL");

    SnapshotRequest revertRequest = service.awaitRequest(revert.getString("commandId"));
    assertThat(((RevertSnapshot) revertRequest.getPayload()).getStart()).isEqualTo(RevertStart.RUNNING);
    assertThat(((RevertSnapshot) revertRequest.getPayload()).getForce()).isFalse();
    JsonObject keep = succeeded(gw.post(base + "/s4/revert", null));
    RevertSnapshot defaults = (RevertSnapshot) service.awaitRequest(keep.getString("commandId")).getPayload();
    assertThat(defaults.getStart()).isEqualTo(RevertStart.KEEP);

    JsonObject subtree = succeeded(gw.delete(base + "/s2?children=true"));
    DeleteSnapshot d = (DeleteSnapshot) service.awaitRequest(subtree.getString("commandId")).getPayload();
    assertThat(d.getName()).isEqualTo("s2");
    assertThat(d.getChildren()).isTrue();
    assertThat(d.getChildrenOnly()).isFalse();
    assertThat(d.getMetadataOnly()).isFalse();
    tree = gw.get(base).json();
    assertThat(names(tree.getJsonArray("snapshots"))).containsExactly("s1", "s4");
    assertThat(names(byName(tree).get("s1").getJsonArray("children"))).containsExactly("s4");

    JsonObject only = succeeded(gw.delete(base + "/s1?childrenOnly&metadataOnly=true&timeoutMs=20000"));
    SnapshotRequest onlyRequest = service.awaitRequest(only.getString("commandId"));
    DeleteSnapshot o = (DeleteSnapshot) onlyRequest.getPayload();
    assertThat(o.getChildrenOnly()).isTrue();
    assertThat(o.getMetadataOnly()).isTrue();
    assertThat(Duration.between(onlyRequest.getIssuedAt(), onlyRequest.getDeadline())).isEqualTo(Duration.ofSeconds(20));
    tree = gw.get(base).json();
    assertThat(names(tree.getJsonArray("snapshots"))).containsExactly("s1");
    assertThat(tree.getString("current")).isEqualTo("s1");
    assertThat(gw.get("/v1/domains/snap-tree").json().getInteger("snapshotCount")).isEqualTo(1);
  }

  @Test
  void aNameInTheCatalogIsAConflictAndUnknownSnapshotsAreNotFoundWithNothingPublished() {
    domain("snap-refuse");
    String base = "/v1/domains/snap-refuse/snapshots";
    succeeded(gw.post(base, create("INTERNAL", "only")));
    long before = requestsOnTopic().size();

    RunningGateway.Answer dup = gw.post(base, create("EXTERNAL", "only"));
    assertThat(dup.status()).isEqualTo(409);
    assertThat(dup.contentType()).isEqualTo("application/problem+json");
    assertThat(dup.json().getString("code")).isEqualTo("OPERATION_INVALID");
    assertThat(dup.json().getString("detail")).isEqualTo("domain 'snap-refuse' already has a snapshot 'only'");
    for (RunningGateway.Answer missing : List.of(gw.post(base + "/nope/revert", null), gw.delete(base + "/nope"),
        gw.get(base + "/nope"))) {
      assertThat(missing.status()).as(missing.toString()).isEqualTo(404);
      assertThat(missing.json().getString("code")).isEqualTo("NO_SNAPSHOT");
      assertThat(missing.json().getString("detail")).isEqualTo("domain 'snap-refuse' has no snapshot 'nope'");
    }
    RunningGateway.Answer both = gw.delete(base + "/only?children=true&childrenOnly=true");
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.json().getString("field")).isEqualTo("childrenOnly");
    assertThat(requestsOnTopic()).hasSize((int) before);
  }

  @Test
  void reconcileAnswersWithTheDriftReportAsJsonInTheStatusDocument() {
    String id = domain("snap-reconcile");
    JsonObject a = accepted(gw.post("/v1/domains/snap-reconcile/snapshots/reconcile", null));
    assertThat(service.awaitRequest(a.getString("commandId")).getPayload()).isInstanceOf(ReconcileSnapshots.class);
    JsonObject status = ended(a);
    assertThat(status.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(status.getString("operation")).isEqualTo("ReconcileSnapshots");
    assertThat(status.getString("domainId")).isEqualTo(id);
    assertThat(status.getJsonObject("result")).isEqualTo(new JsonObject().put("consistent", true)
        .put("drift", new JsonArray()));
    assertThat(status.getString("jobId")).isEqualTo(TestSnapshotService.workflowId(a.getString("commandId")));
    // A reconcile with no snapshots keeps an empty tree.
    assertThat(gw.get("/v1/domains/snap-reconcile/snapshots").json().getJsonArray("snapshots")).isEmpty();
  }

  @Test
  void snapshotRequestsAreIdempotent() {
    domain("snap-idem");
    String base = "/v1/domains/snap-idem/snapshots";
    RunningGateway.Answer first = gw.post(base, create("INTERNAL", "i1"), "Idempotency-Key", "sk-1");
    JsonObject firstBody = succeeded(first);
    // The same request after it succeeded is a replay, not a duplicate name.
    RunningGateway.Answer again = gw.post(base, "{ \"kind\": \"INTERNAL\", \"name\": \"i1\" }", "Idempotency-Key",
        "sk-1");
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().getString("commandId")).isEqualTo(firstBody.getString("commandId"));
    assertThat(gw.post(base, create("INTERNAL", "i2"), "Idempotency-Key", "sk-1").status()).isEqualTo(422);

    String revert = gw.post(base + "/i1/revert", "{\"force\":true}", "Idempotency-Key", "sk-2").json()
        .getString("commandId");
    assertThat(gw.post(base + "/i1/revert", "{\"force\":true}", "Idempotency-Key", "sk-2").json()
        .getString("commandId")).isEqualTo(revert);
    String reconcile = gw.post(base + "/reconcile", null, "Idempotency-Key", "sk-3").json().getString("commandId");
    assertThat(gw.post(base + "/reconcile", "{}", "Idempotency-Key", "sk-3").json().getString("commandId"))
        .isEqualTo(reconcile);
    String delete = gw.delete(base + "/i1?metadataOnly=true", "Idempotency-Key", "sk-4").json().getString("commandId");
    assertThat(gw.delete(base + "/i1?metadataOnly=true", "Idempotency-Key", "sk-4").json().getString("commandId"))
        .isEqualTo(delete);
    assertThat(gw.delete(base + "/i1", "Idempotency-Key", "sk-4").status()).isEqualTo(422);

    Map<String, Long> perKey = requestsOnTopic().stream().filter(r -> r.getIdempotencyKey() != null)
        .collect(Collectors.groupingBy(SnapshotRequest::getIdempotencyKey, Collectors.counting()));
    assertThat(perKey).containsEntry("sk-1", 1L).containsEntry("sk-2", 1L).containsEntry("sk-3", 1L)
        .containsEntry("sk-4", 1L);
  }

  @Test
  void undefineOfADomainWithSnapshotsNeedsSnapshotsMetadataAndDroppedEmptiesTheCatalog() {
    String id = domain("snap-undefine");
    String base = "/v1/domains/snap-undefine/snapshots";
    succeeded(gw.post(base, create("INTERNAL", "u1")));
    succeeded(gw.post(base, create("INTERNAL", "u2")));

    RunningGateway.Answer refused = gw.delete("/v1/domains/snap-undefine?force=true");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().getString("code")).isEqualTo("OPERATION_INVALID");
    assertThat(refused.json().getString("detail")).isEqualTo(
        "domain 'snap-undefine' has 2 snapshots; undefine with snapshotsMetadata=true to drop their metadata");
    assertThat(TopicProbe.readAll(bus.bootstrap(), bus.topics().hostCommands("h1")).stream()
        .map(r -> Codecs.COMMAND.decode(r.value())).filter(c -> c.getDomainId().equals(id))).isEmpty();

    String undefine = accepted(gw.delete("/v1/domains/snap-undefine?snapshotsMetadata=true")).getString("commandId");
    Undefine u = (Undefine) agent.awaitCommand(undefine).getPayload();
    assertThat(u.getSnapshotsMetadata()).isTrue();
    assertThat(u.getRemoveStorage()).isFalse();

    // The snapshot service drops the catalog once the domain is undefined.
    service.publish(TestSnapshotService.event(id, SnapshotPhase.DROPPED, null, null, null));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get(base).json().getJsonArray("snapshots").isEmpty());
    JsonObject tree = gw.get(base).json();
    assertThat(tree.getString("current")).isNull();
    assertThat(tree.getValue("inProgress")).isNull();
    assertThat(gw.get(base + "/u1").json().getString("code")).isEqualTo("NO_SNAPSHOT");
    assertThat(gw.get("/v1/domains/snap-undefine").json().getInteger("snapshotCount")).isZero();
    accepted(gw.delete("/v1/domains/snap-undefine"));
  }

  @Test
  void aWorkflowUnderWayShowsInTheTreeAndLifecycleRequestsAreStillAccepted() {
    String id = domain("snap-busy");
    service.manual(id);
    String base = "/v1/domains/snap-busy/snapshots";
    JsonObject create = accepted(gw.post(base, create("EXTERNAL", "b1")));
    String commandId = create.getString("commandId");
    SnapshotRequest r = service.awaitRequest(commandId);
    service.status(r, CommandStatusCode.RUNNING, null, null, null, null);
    service.publish(TestSnapshotService.event(id, SnapshotPhase.CREATING, commandId, "b1",
        TestSnapshotService.chain(id, "b1")));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get(base).json().getValue("inProgress") != null);
    JsonObject tree = gw.get(base).json();
    JsonObject ip = tree.getJsonObject("inProgress");
    assertThat(ip.getString("phase")).isEqualTo("CREATING");
    assertThat(ip.getString("snapshot")).isEqualTo("b1");
    assertThat(ip.getString("commandId")).isEqualTo(commandId);
    // The planned catalog is not the catalog yet.
    assertThat(tree.getJsonArray("snapshots")).isEmpty();
    assertThat(gw.get("/v1/domains/snap-busy").json().getInteger("snapshotCount")).isZero();

    // The same name again, while it is being created: a conflict.
    RunningGateway.Answer dup = gw.post(base, create("INTERNAL", "b1"));
    assertThat(dup.status()).isEqualTo(409);
    assertThat(dup.json().getString("detail")).contains("is being created");
    // A lifecycle request is accepted: the agent, which holds the domain's job, answers BUSY.
    JsonObject start = accepted(gw.post("/v1/domains/snap-busy/start", null));
    assertThat(agent.awaitCommand(start.getString("commandId")).getPayload()).isInstanceOf(Start.class);
    // A snapshot request cannot be cancelled.
    RunningGateway.Answer cancel = gw.post("/v1/commands/" + commandId + "/cancel", null);
    assertThat(cancel.status()).isEqualTo(409);
    assertThat(cancel.json().getString("code")).isEqualTo("OPERATION_UNSUPPORTED");

    service.publish(TestSnapshotService.event(id, SnapshotPhase.FAILED, commandId, "b1",
        TestSnapshotService.chain(id)));
    service.status(r, CommandStatusCode.FAILED, io.virtflow.schema.ErrorCode.DRIVER_ERROR, "disk full", null, null);
    JsonObject status = ended(create);
    assertThat(status.getString("status")).isEqualTo("FAILED");
    assertThat(status.getString("code")).isEqualTo("DRIVER_ERROR");
    assertThat(status.getValue("result")).isNull();
    tree = gw.get(base).json();
    assertThat(tree.getValue("inProgress")).isNull();
    assertThat(tree.getJsonArray("snapshots")).isEmpty();
  }

  @Test
  void aLongPollOnASnapshotCommandWaitsForItsCatalogEvent() throws Exception {
    String id = domain("snap-order");
    service.manual(id);
    String base = "/v1/domains/snap-order/snapshots";
    JsonObject create = accepted(gw.post(base, create("INTERNAL", "o1")));
    String commandId = create.getString("commandId");
    SnapshotRequest r = service.awaitRequest(commandId);
    CompletableFuture<RunningGateway.Answer> poll = gw.getAsync("/v1/commands/" + commandId + "?waitMs=20000");
    // The status arrives first (another reader, another partition): the poll keeps waiting for the catalog.
    service.status(r, CommandStatusCode.SUCCEEDED, null, null, null, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> "SUCCEEDED".equals(gw.get("/v1/commands/" + commandId).json()
        .getString("status")));
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !poll.isDone());
    service.publish(TestSnapshotService.event(id, SnapshotPhase.CREATED, commandId, "o1",
        TestSnapshotService.chain(id, "o1")));
    RunningGateway.Answer a = poll.get(10, TimeUnit.SECONDS);
    assertThat(a.json().getString("status")).isEqualTo("SUCCEEDED");
    assertThat(names(gw.get(base).json().getJsonArray("snapshots"))).containsExactly("o1");
  }
}
