package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.ErrorCode;

/**
 * {@code GET /v1/commands?limit=&status=&domain=}: the recent and running commands of the principal's
 * projects, the one that began last first. Each test uses a project of its own, so that it sees only its
 * own commands on the shared gateway.
 */
class CommandListTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").autoComplete(true).heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
  }

  private static String[] as(String token) {
    return new String[] {"Authorization", RunningGateway.bearer(token)};
  }

  /** A status on {@code command.status}, as an agent (or an earlier gateway) wrote it. */
  private static void status(String commandId, String domainId, String operation, CommandStatusCode code, Instant at,
      String project, ErrorCode error, String message) {
    CommandStatus s = CommandStatus.newBuilder().setCommandId(commandId).setDomainId(domainId).setHostId("h1")
        .setOperation(operation).setStatus(code).setCode(error).setMessage(message).setAt(at).setPrincipal("someone")
        .setProject(project).build();
    agent.send(bus.topics().commandStatus(), commandId, Codecs.COMMAND_STATUS.encode(s));
  }

  private static List<JsonObject> list(String query, String token) {
    RunningGateway.Answer a = gw.get("/v1/commands" + query, as(token));
    assertThat(a.status()).as(a.toString()).isEqualTo(200);
    assertThat(a.contentType()).startsWith("application/json");
    assertThat(Instant.parse(a.json().getString("now"))).isCloseTo(Instant.now(), org.assertj.core.api.Assertions
        .within(30, ChronoUnit.SECONDS));
    return ids(a.json().getJsonArray("commands"));
  }

  private static List<JsonObject> ids(JsonArray a) {
    return a.stream().map(JsonObject.class::cast).toList();
  }

  private static List<String> commandIds(List<JsonObject> commands) {
    return commands.stream().map(c -> c.getString("commandId")).toList();
  }

  @Test
  void theNewestFirstFiftyByDefaultAndAtMostFiveHundred() {
    String viewer = TestKeys.token("vic", Role.VIEWER, "p-order");
    Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofHours(1));
    List<String> byAge = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      byAge.add(UUID.randomUUID().toString());
      order.add(i);
    }
    // Written in no particular order: the list is by when each began, not by when the gateway read it.
    Collections.shuffle(order, new Random(14));
    for (int i : order) {
      status(byAge.get(i), UUID.randomUUID().toString(), "Start", CommandStatusCode.ACCEPTED, base.plusSeconds(i),
          "p-order", null, null);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> list("?limit=500", viewer).size() == 120);
    List<String> newestFirst = new ArrayList<>(byAge);
    Collections.reverse(newestFirst);

    List<JsonObject> page = list("", viewer);
    assertThat(commandIds(page)).containsExactlyElementsOf(newestFirst.subList(0, 50));
    assertThat(page.get(0).getString("since")).isEqualTo(base.plusSeconds(119).toString());
    assertThat(page.get(0).getString("status")).isEqualTo("ACCEPTED");
    assertThat(page.get(0).getBoolean("terminal")).isFalse();
    assertThat(commandIds(list("?limit=7", viewer))).containsExactlyElementsOf(newestFirst.subList(0, 7));
    assertThat(commandIds(list("?limit=500", viewer))).containsExactlyElementsOf(newestFirst);

    // A command's later statuses do not move it: it stays where it began.
    status(byAge.get(0), null, "Start", CommandStatusCode.SUCCEEDED, Instant.now(), "p-order", null, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> "SUCCEEDED".equals(
        list("?limit=500", viewer).get(119).getString("status")));
    assertThat(list("?limit=500", viewer).get(119).getString("commandId")).isEqualTo(byAge.get(0));
  }

  @Test
  void statusAndDomainFiltersAndWhatEachCommandSays() {
    String operator = TestKeys.token("olga", Role.OPERATOR, "p-filter");
    RunningGateway.Answer defined = gw.post("/v1/domains", "{\"name\":\"cf-web\",\"vcpus\":1,\"memoryMiB\":64}",
        as(operator));
    assertThat(defined.status()).as(defined.toString()).isEqualTo(202);
    String domainId = defined.json().getString("domainId");
    String defineId = defined.json().getString("commandId");
    await().atMost(Duration.ofSeconds(10)).until(() -> "SUCCEEDED".equals(gw.get("/v1/commands/" + defineId,
        as(operator)).json().getString("status")));
    String startId = gw.post("/v1/domains/cf-web/start", null, as(operator)).json().getString("commandId");
    await().atMost(Duration.ofSeconds(10)).until(() -> "SUCCEEDED".equals(gw.get("/v1/commands/" + startId,
        as(operator)).json().getString("status")));
    String rebooting = UUID.randomUUID().toString();
    status(rebooting, domainId, "Reboot", CommandStatusCode.RUNNING, Instant.now(), "p-filter", null, null);
    String refused = UUID.randomUUID().toString();
    status(refused, domainId, "Resume", CommandStatusCode.REJECTED, Instant.now(), "p-filter",
        ErrorCode.OPERATION_INVALID, "cannot resume domain 'cf-web': it is running");
    String snapshotting = UUID.randomUUID().toString();
    status(snapshotting, domainId, "CreateSnapshot", CommandStatusCode.RUNNING, Instant.now(), "p-filter", null, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> list("?domain=cf-web", operator).size() == 5);

    List<JsonObject> all = list("?domain=cf-web", operator);
    assertThat(commandIds(all)).containsExactlyInAnyOrder(defineId, startId, rebooting, refused, snapshotting);
    assertThat(all).allSatisfy(c -> {
      assertThat(c.getString("domainId")).isEqualTo(domainId);
      assertThat(c.getString("domain")).isEqualTo("cf-web");
      assertThat(c.getString("hostId")).isEqualTo("h1");
      assertThat(c.containsKey("result")).isFalse();
      assertThat(c.containsKey("history")).isFalse();
    });
    assertThat(commandIds(list("?domain=" + domainId, operator))).containsExactlyElementsOf(commandIds(all));
    assertThat(commandIds(list("?domain=" + domainId.toUpperCase(java.util.Locale.ROOT), operator)))
        .containsExactlyElementsOf(commandIds(all));
    assertThat(list("?domain=no-such-domain", operator)).isEmpty();
    assertThat(list("?domain=" + UUID.randomUUID(), operator)).isEmpty();

    assertThat(commandIds(list("?status=RUNNING&domain=cf-web", operator))).containsExactlyInAnyOrder(rebooting,
        snapshotting);
    assertThat(commandIds(list("?status=ACCEPTED,RUNNING", operator))).containsExactlyInAnyOrder(rebooting,
        snapshotting);
    assertThat(commandIds(list("?status=SUCCEEDED&domain=cf-web", operator))).containsExactly(startId, defineId);

    JsonObject reboot = byId(all, rebooting);
    assertThat(reboot.getBoolean("cancellable")).isTrue();
    assertThat(reboot.getBoolean("terminal")).isFalse();
    assertThat(byId(all, snapshotting).getBoolean("cancellable")).as("snapshot requests have no cancel").isFalse();
    JsonObject started = byId(all, startId);
    assertThat(started.getString("operation")).isEqualTo("Start");
    assertThat(started.getBoolean("cancellable")).isFalse();
    assertThat(started.getBoolean("terminal")).isTrue();
    assertThat(Instant.parse(started.getString("since"))).isBeforeOrEqualTo(Instant.parse(started.getString("updatedAt")));
    JsonObject rejected = byId(all, refused);
    assertThat(rejected.getString("status")).isEqualTo("REJECTED");
    assertThat(rejected.getString("code")).isEqualTo("OPERATION_INVALID");
    assertThat(rejected.getString("message")).isEqualTo("cannot resume domain 'cf-web': it is running");

    // The cancel the list offers is accepted.
    RunningGateway.Answer cancel = gw.post("/v1/commands/" + rebooting + "/cancel", null, as(operator));
    assertThat(cancel.status()).as(cancel.toString()).isEqualTo(202);
  }

  private static JsonObject byId(List<JsonObject> commands, String id) {
    return commands.stream().filter(c -> c.getString("commandId").equals(id)).findFirst().orElseThrow();
  }

  @Test
  void aPrincipalSeesOnlyItsProjectsCommandsAndAnotherProjectsDomainMatchesNothing() {
    String blue = TestKeys.token("bo", Role.VIEWER, "p-blue");
    String domainBlue = UUID.randomUUID().toString();
    String domainGreen = UUID.randomUUID().toString();
    String cBlue = UUID.randomUUID().toString();
    String cGreen = UUID.randomUUID().toString();
    status(cBlue, domainBlue, "Start", CommandStatusCode.RUNNING, Instant.now(), "p-blue", null, null);
    status(cGreen, domainGreen, "Start", CommandStatusCode.RUNNING, Instant.now(), "p-green", null, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/commands/" + cGreen).status() == 200
        && gw.get("/v1/commands/" + cBlue).status() == 200);

    assertThat(commandIds(list("?limit=500", blue))).containsExactly(cBlue);
    assertThat(list("?domain=" + domainGreen, blue)).isEmpty();
    assertThat(commandIds(list("?domain=" + domainBlue, blue))).containsExactly(cBlue);
    // The admin sees every project.
    assertThat(commandIds(list("?domain=" + domainGreen, TestKeys.ADMIN))).containsExactly(cGreen);
    assertThat(commandIds(list("?limit=500", TestKeys.ADMIN))).contains(cBlue, cGreen);
    // A token of no project sees nothing.
    assertThat(list("?limit=500", TestKeys.token("nobody", Role.OPERATOR))).isEmpty();
  }

  @Test
  void badParametersAreInvalidArgNamingTheParameter() {
    String viewer = TestKeys.token("vera", Role.VIEWER, "p-bad");
    for (String[] q : new String[][] {{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=ten", "limit"},
        {"limit=-1", "limit"}, {"status=DONE", "status"}, {"status=running", "status"}, {"status=RUNNING,", "status"},
        {"domain=a%2Fb", "domain"}, {"domain=-x", "domain"}, {"domain=" + "x".repeat(65), "domain"},
        {"since=1", "since"}, {"limit=1&limit=2", "limit"}}) {
      RunningGateway.Answer a = gw.get("/v1/commands?" + q[0], as(viewer));
      assertThat(a.status()).as(q[0] + " " + a).isEqualTo(400);
      assertThat(a.contentType()).startsWith("application/problem+json");
      assertThat(a.json().getString("code")).isEqualTo("INVALID_ARG");
      assertThat(a.json().getString("field")).as(q[0]).isEqualTo(q[1]);
    }
  }

  @Test
  void everyRoleMayListButNotWithoutAToken() {
    assertThat(gw.get("/v1/commands", "Authorization", "").status()).isEqualTo(401);
    assertThat(gw.get("/v1/commands", "Authorization", "Bearer nonsense").status()).isEqualTo(401);
    for (Role role : Role.values()) {
      assertThat(gw.get("/v1/commands", as(TestKeys.token("r", role, "p-roles"))).status()).as(role.claim())
          .isEqualTo(200);
    }
  }
}
