package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;

/**
 * Projects: every domain belongs to the project it was defined in; a principal sees and acts only on its
 * projects' domains, and another project's domain answers exactly as a missing one (404 NO_DOMAIN), in
 * reads, commands, command status, snapshots and the event stream. The agent here does not copy the
 * project into its state (the gateway remembers it from the define), except where a test says so.
 */
class TenancyTest {
  private static final String BLUE = TestKeys.token("bob", Role.OPERATOR, "blue");
  private static final String GREEN = TestKeys.token("gina", Role.OPERATOR, "green");
  private static final String BOTH = TestKeys.token("bea", Role.OPERATOR, "blue", "green");
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;
  private final List<SseClient> streams = new java.util.ArrayList<>();

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

  @AfterEach
  void closeStreams() {
    streams.forEach(SseClient::close);
  }

  private static String[] as(String token) {
    return new String[] {"Authorization", RunningGateway.bearer(token)};
  }

  private static RunningGateway.Answer get(String path, String token) {
    return gw.get(path, as(token));
  }

  private static RunningGateway.Answer post(String path, String body, String token) {
    return gw.post(path, body, as(token));
  }

  /** Defines a domain as {@code token} and waits until the projection shows it. */
  private static JsonObject defined(String name, String token) {
    RunningGateway.Answer a = post("/v1/domains", "{\"name\":\"" + name + "\",\"vcpus\":1,\"memoryMiB\":64}", token);
    assertThat(a.status()).as(a.toString()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> "SUCCEEDED".equals(
        get("/v1/commands/" + a.json().getString("commandId"), token).json().getString("status")));
    return a.json();
  }

  private static void assertLooksMissing(RunningGateway.Answer a, String ref) {
    assertThat(a.status()).as(a.toString()).isEqualTo(404);
    JsonObject missing = gw.get("/v1/domains/no-such-" + UUID.randomUUID().toString().substring(0, 8)).json();
    JsonObject body = a.json();
    assertThat(body.fieldNames()).isEqualTo(missing.fieldNames());
    assertThat(body.getString("code")).isEqualTo("NO_DOMAIN");
    assertThat(body.getString("title")).isEqualTo(missing.getString("title"));
    assertThat(body.getString("detail")).isEqualTo("no domain with id or name '" + ref + "'");
  }

  @Test
  void anotherProjectsDomainIsNotThere() {
    JsonObject blue = defined("tn-blue", BLUE);
    String id = blue.getString("domainId");
    assertThat(get("/v1/domains/tn-blue", BLUE).json().getString("project")).isEqualTo("blue");

    for (String ref : List.of("tn-blue", id)) {
      assertLooksMissing(get("/v1/domains/" + ref, GREEN), ref);
      assertLooksMissing(get("/v1/domains/" + ref + "/snapshots", GREEN), ref);
      assertLooksMissing(post("/v1/domains/" + ref + "/start", null, GREEN), ref);
      assertLooksMissing(post("/v1/domains/" + ref + "/snapshots", "{\"name\":\"s\",\"kind\":\"INTERNAL\"}", GREEN), ref);
      assertLooksMissing(gw.delete("/v1/domains/" + ref, as(GREEN)), ref);
    }
    // Its command too.
    String commandId = blue.getString("commandId");
    RunningGateway.Answer status = get("/v1/commands/" + commandId, GREEN);
    assertThat(status.status()).isEqualTo(404);
    assertThat(status.json().getString("detail")).isEqualTo("no command with id '" + commandId + "'");
    assertThat(post("/v1/commands/" + commandId + "/cancel", null, GREEN).status()).isEqualTo(404);
    assertThat(get("/v1/commands/" + commandId, BLUE).status()).isEqualTo(200);

    // Lists are filtered; the admin and a member of both see it.
    assertThat(names(get("/v1/domains", GREEN))).doesNotContain("tn-blue");
    assertThat(names(get("/v1/domains", BLUE))).contains("tn-blue");
    assertThat(names(get("/v1/domains", BOTH))).contains("tn-blue");
    assertThat(names(gw.get("/v1/domains"))).contains("tn-blue");
    assertThat(gw.get("/v1/domains/tn-blue").status()).isEqualTo(200);
  }

  @Test
  void commandsCarryTheirDomainsProjectAndThePrincipal() {
    defined("tn-carry", BLUE);
    RunningGateway.Answer started = post("/v1/domains/tn-carry/start", null, BLUE);
    assertThat(started.status()).as(started.toString()).isEqualTo(202);
    String commandId = started.json().getString("commandId");
    Command c = agent.awaitCommand(commandId);
    assertThat(c.getPrincipal()).isEqualTo("bob");
    assertThat(c.getProject()).isEqualTo("blue");
    await().atMost(Duration.ofSeconds(10)).until(() -> TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus())
        .stream().filter(r -> commandId.equals(r.key())).map(r -> Codecs.COMMAND_STATUS.decode(r.value()))
        .anyMatch(s -> s.getStatus() == io.virtflow.schema.CommandStatusCode.ACCEPTED));
    CommandStatus accepted = TopicProbe.readAll(bus.bootstrap(), bus.topics().commandStatus()).stream()
        .filter(r -> commandId.equals(r.key())).map(r -> Codecs.COMMAND_STATUS.decode(r.value()))
        .filter(s -> s.getStatus() == io.virtflow.schema.CommandStatusCode.ACCEPTED).findFirst().orElseThrow();
    assertThat(accepted.getPrincipal()).isEqualTo("bob");
    assertThat(accepted.getProject()).isEqualTo("blue");
  }

  @Test
  void theProjectOfADefine() {
    RunningGateway.Answer notMine = post("/v1/domains", "{\"name\":\"tn-x\",\"vcpus\":1,\"memoryMiB\":64,"
        + "\"project\":\"green\"}", BLUE);
    assertThat(notMine.status()).as(notMine.toString()).isEqualTo(403);
    assertThat(notMine.json().getString("code")).isEqualTo("ACCESS_DENIED");

    RunningGateway.Answer which = post("/v1/domains", "{\"name\":\"tn-x\",\"vcpus\":1,\"memoryMiB\":64}", BOTH);
    assertThat(which.status()).as(which.toString()).isEqualTo(400);
    assertThat(which.json().getString("field")).isEqualTo("project");

    // With "project", a member of two projects defines there.
    RunningGateway.Answer green = post("/v1/domains", "{\"name\":\"tn-g\",\"vcpus\":1,\"memoryMiB\":64,"
        + "\"project\":\"green\"}", BOTH);
    assertThat(green.status()).as(green.toString()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/v1/domains/tn-g", GREEN).status() == 200);
    assertThat(get("/v1/domains/tn-g", GREEN).json().getString("project")).isEqualTo("green");
    assertThat(get("/v1/domains/tn-g", BLUE).status()).isEqualTo(404);
  }

  @Test
  void aNameTakenInAnotherProjectIsAConflictThatTellsNothingMore() {
    JsonObject blue = defined("tn-shared", BLUE);
    RunningGateway.Answer clash = post("/v1/domains", "{\"name\":\"tn-shared\",\"vcpus\":1,\"memoryMiB\":64}", GREEN);
    assertThat(clash.status()).as(clash.toString()).isEqualTo(409);
    assertThat(clash.json().getString("detail")).isEqualTo("domain name 'tn-shared' is already in use");
    assertThat(clash.body()).doesNotContain(blue.getString("domainId")).doesNotContain("blue").doesNotContain("h1");
  }

  @Test
  void aDomainWithoutAProjectIsTheAdminsAndOneTheAgentNamesIsItsProjects() {
    String legacy = agent.existingDomain("tn-legacy");
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/tn-legacy").status() == 200);
    assertLooksMissing(get("/v1/domains/tn-legacy", BLUE), "tn-legacy");
    assertLooksMissing(get("/v1/domains/" + legacy, BOTH), legacy);
    assertThat(gw.get("/v1/domains/tn-legacy").json().getString("project")).isNull();

    String named = UUID.randomUUID().toString();
    agent.state(named, "tn-agent-named", DomainStateCode.SHUTOFF, 1, "green");
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/v1/domains/tn-agent-named", GREEN).status() == 200);
    assertLooksMissing(get("/v1/domains/tn-agent-named", BLUE), "tn-agent-named");
  }

  @Test
  void theEventStreamShowsOnlyTheProjectsDomainsAlsoAfterAResume() {
    String blueId = defined("tn-ev-blue", BLUE).getString("domainId");
    String greenId = defined("tn-ev-green", GREEN).getString("domainId");
    SseClient blue = open(BLUE, null);
    SseClient green = open(GREEN, null);
    SseClient admin = open(TestKeys.ADMIN, null);
    agent.event(blueId, "tn-ev-blue", EventType.STARTED, EventDetail.BOOTED, DomainStateCode.RUNNING);
    agent.event(greenId, "tn-ev-green", EventType.STARTED, EventDetail.BOOTED, DomainStateCode.RUNNING);
    agent.event(blueId, "tn-ev-blue", EventType.STOPPED, EventDetail.DESTROYED, DomainStateCode.SHUTOFF);
    agent.event(greenId, "tn-ev-green", EventType.STOPPED, EventDetail.DESTROYED, DomainStateCode.SHUTOFF);

    assertThat(admin.take(4, Duration.ofSeconds(10))).extracting(e -> e.data().getString("domainName"))
        .containsExactlyInAnyOrder("tn-ev-blue", "tn-ev-blue", "tn-ev-green", "tn-ev-green");
    List<SseClient.Event> greens = green.take(2, Duration.ofSeconds(10));
    assertThat(greens).extracting(e -> e.data().getString("domainName")).containsOnly("tn-ev-green");
    assertThat(blue.take(2, Duration.ofSeconds(10))).extracting(e -> e.data().getString("domainName"))
        .containsOnly("tn-ev-blue");
    assertThat(green.drain(Duration.ofMillis(300))).isEmpty();

    // Resumed from the very start of the topic, green still sees green only; asking for blue's domain gives nothing.
    SseClient replay = open(GREEN, "p0-o0.p1-o0.p2-o0");
    List<SseClient.Event> replayed = replay.take(2, Duration.ofSeconds(10));
    assertThat(replayed).extracting(e -> e.data().getString("domainName")).containsOnly("tn-ev-green");
    assertThat(replay.drain(Duration.ofMillis(300))).extracting(e -> e.data().getString("domainName"))
        .doesNotContain("tn-ev-blue");
    replay.close();
    SseClient askBlue = SseClient.open(gw, "/v1/events?domain=tn-ev-blue", "p0-o0.p1-o0.p2-o0", false, GREEN);
    streams.add(askBlue);
    assertThat(askBlue.status).isEqualTo(200);
    assertThat(askBlue.drain(Duration.ofMillis(500))).isEmpty();
  }

  private SseClient open(String token, String lastEventId) {
    SseClient c = SseClient.open(gw, "/v1/events", lastEventId, false, token);
    streams.add(c);
    assertThat(c.status).as(c.errorBody).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.comments.contains("connected"));
    return c;
  }

  private static List<String> names(RunningGateway.Answer a) {
    assertThat(a.status()).as(a.toString()).isEqualTo(200);
    JsonArray domains = a.json().getJsonArray("domains");
    return domains.stream().map(d -> ((JsonObject) d).getString("name")).toList();
  }
}
