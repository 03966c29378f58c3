package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.AuditRecord;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.ReadConsole;
import io.virtflow.schema.SnapshotPhase;

/**
 * {@code GET /v1/domains/{domain}/console}: a ReadConsole command to the domain's host (test agent con-1,
 * which answers only when a test tells it to), whose terminal status is the answer. The gateway waits
 * 3 s ({@code VIRTFLOW_MAX_WAIT_MS}). Each test reads the console of domains of its own.
 */
class ConsoleTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static TestAgent asleep;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "con-1").heartbeatEvery(Duration.ofMillis(500));
    asleep = TestAgent.start(bus, KafkaFixture.admin(), "con-down").heartbeatAt(Instant.now().minusSeconds(3600));
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.MAX_WAIT_MS, "3000"));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 2);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
    asleep.close();
  }

  private static String domain(TestAgent on, String name, String project) {
    String id = UUID.randomUUID().toString();
    on.state(id, name, DomainStateCode.RUNNING, 1, project);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/" + name).status() == 200);
    return id;
  }

  private static CompletableFuture<RunningGateway.Answer> console(String path, String... headers) {
    return gw.getAsync(path, headers);
  }

  private static RunningGateway.Answer answer(CompletableFuture<RunningGateway.Answer> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  private static Command readConsole(String domainId, int tail) {
    return agent.awaitCommand(c -> c.getPayload() instanceof ReadConsole r && r.getTailLines() == tail
        && c.getDomainId().equals(domainId));
  }

  private static long readsOf(TestAgent on, String domainId) {
    return on.commands().stream().filter(c -> c.getPayload() instanceof ReadConsole && c.getDomainId().equals(domainId))
        .count();
  }

  @Test
  void theConsoleIsTheAgentsResultAsPlainText() throws Exception {
    String id = domain(agent, "con-text", TestKeys.PROJECT);
    CompletableFuture<RunningGateway.Answer> pending = console("/v1/domains/con-text/console?tail=20");
    Command c = readConsole(id, 20);
    assertThat(c.getHostId()).isEqualTo("con-1");
    assertThat(c.getPrincipal()).isEqualTo("admin");
    assertThat(c.getProject()).isEqualTo(TestKeys.PROJECT);
    // A read not started within the wait never runs: its deadline is the wait.
    assertThat(Duration.between(c.getIssuedAt(), c.getDeadline())).isEqualTo(Duration.ofSeconds(3));
    agent.status(c, CommandStatusCode.RUNNING);
    String log = "[    0.000000] Linux version 6.6.30\nWelcome to Alpine Linux 3.20 \u00e9\nlogin: \n";
    agent.result(c, CommandStatusCode.SUCCEEDED, null, null, log);

    RunningGateway.Answer a = answer(pending);
    assertThat(a.status()).as(a.toString()).isEqualTo(200);
    assertThat(a.contentType()).isEqualTo("text/plain; charset=utf-8");
    assertThat(a.body()).isEqualTo(log);

    // It went the command path: a status of its own, and an audit record naming it.
    JsonObject s = gw.get("/v1/commands/" + c.getCommandId()).json();
    assertThat(s.getString("operation")).isEqualTo("ReadConsole");
    assertThat(s.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(s.getJsonArray("history").stream().map(o -> ((JsonObject) o).getString("status")))
        .containsExactly("ACCEPTED", "RUNNING", "SUCCEEDED");
    await().atMost(Duration.ofSeconds(10)).until(() -> audit().stream()
        .anyMatch(r -> c.getCommandId().equals(r.getCommandId()) && "READ_CONSOLE".equals(r.getAction())));
  }

  private static List<AuditRecord> audit() {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().audit()).stream()
        .map(r -> Codecs.AUDIT_RECORD.decode(r.value())).toList();
  }

  @Test
  void withoutTailTheLast100LinesAreAskedForAndAnEmptyLogIsAnEmptyBody() throws Exception {
    String id = domain(agent, "con-default", TestKeys.PROJECT);
    CompletableFuture<RunningGateway.Answer> pending = console("/v1/domains/" + id + "/console");
    agent.result(readConsole(id, 100), CommandStatusCode.SUCCEEDED, null, null, "");
    RunningGateway.Answer a = answer(pending);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).isEmpty();
  }

  @Test
  void aReadThatFailedIsTheProblemOfItsCode() throws Exception {
    String id = domain(agent, "con-sim", TestKeys.PROJECT);
    CompletableFuture<RunningGateway.Answer> unsupported = console("/v1/domains/con-sim/console?tail=1");
    Command c1 = readConsole(id, 1);
    agent.status(c1, CommandStatusCode.REJECTED, ErrorCode.OPERATION_UNSUPPORTED,
        "the sim driver keeps no console log", DomainStateCode.RUNNING);
    RunningGateway.Answer a = answer(unsupported);
    assertThat(a.status()).as(a.toString()).isEqualTo(409);
    assertThat(a.contentType()).isEqualTo("application/problem+json");
    assertThat(a.json().getString("code")).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(a.json().getString("type")).isEqualTo("urn:virtflow:error:OPERATION_UNSUPPORTED");
    assertThat(a.json().getString("detail")).contains("the sim driver keeps no console log", c1.getCommandId(),
        "REJECTED");

    CompletableFuture<RunningGateway.Answer> driver = console("/v1/domains/con-sim/console?tail=2");
    agent.status(readConsole(id, 2), CommandStatusCode.FAILED, ErrorCode.DRIVER_ERROR, "virDomainOpenConsole failed",
        null);
    RunningGateway.Answer b = answer(driver);
    assertThat(b.status()).as(b.toString()).isEqualTo(502);
    assertThat(b.json().getString("code")).isEqualTo("DRIVER_ERROR");

    CompletableFuture<RunningGateway.Answer> gone = console("/v1/domains/con-sim/console?tail=3");
    agent.status(readConsole(id, 3), CommandStatusCode.REJECTED, ErrorCode.NO_DOMAIN, "no domain " + id, null);
    RunningGateway.Answer g = answer(gone);
    assertThat(g.status()).as(g.toString()).isEqualTo(404);
    assertThat(g.json().getString("code")).isEqualTo("NO_DOMAIN");
  }

  @Test
  void aViewerOfTheProjectMayReadItAndAnyoneElseFindsNoDomain() throws Exception {
    String id = domain(agent, "con-view", TestKeys.PROJECT);
    String viewer = RunningGateway.bearer(TestKeys.token("vic", Role.VIEWER, TestKeys.PROJECT));
    String stranger = RunningGateway.bearer(TestKeys.token("sam", Role.OPERATOR, "blue"));

    RunningGateway.Answer other = answer(console("/v1/domains/con-view/console", "Authorization", stranger));
    RunningGateway.Answer missing = answer(console("/v1/domains/con-nothing/console", "Authorization", stranger));
    assertThat(other.status()).as(other.toString()).isEqualTo(404);
    assertThat(other.json().getString("code")).isEqualTo("NO_DOMAIN");
    assertThat(other.json().getString("detail")).isEqualTo(missing.json().getString("detail")
        .replace("con-nothing", "con-view"));

    CompletableFuture<RunningGateway.Answer> pending = console("/v1/domains/con-view/console?tail=7",
        "Authorization", viewer);
    Command c = readConsole(id, 7);
    assertThat(c.getPrincipal()).isEqualTo("vic");
    agent.result(c, CommandStatusCode.SUCCEEDED, null, null, "ok\n");
    assertThat(answer(pending).body()).isEqualTo("ok\n");
    // The stranger's request sent nothing.
    assertThat(readsOf(agent, id)).isEqualTo(1);
  }

  @Test
  void aHostThatDoesNotAnswerIsA503TimeoutAfterTheWait() throws Exception {
    String id = domain(agent, "con-silent", TestKeys.PROJECT);
    long start = System.nanoTime();
    CompletableFuture<RunningGateway.Answer> pending = console("/v1/domains/con-silent/console?tail=5");
    Command c = readConsole(id, 5);
    RunningGateway.Answer a = answer(pending);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(2_900));
    assertThat(a.status()).as(a.toString()).isEqualTo(503);
    assertThat(a.json().getString("code")).isEqualTo("TIMEOUT");
    assertThat(a.json().getString("detail")).contains(c.getCommandId());
  }

  @Test
  void aHostThatIsDownIsNotAskedAtAll() throws Exception {
    String id = domain(asleep, "con-sleepy", TestKeys.PROJECT);
    RunningGateway.Answer a = answer(console("/v1/domains/con-sleepy/console"));
    assertThat(a.status()).as(a.toString()).isEqualTo(503);
    assertThat(a.json().getString("code")).isEqualTo("HOST_UNAVAILABLE");
    assertThat(a.json().getString("detail")).contains("con-down", "con-sleepy", "nothing was sent");
    assertThat(TopicProbe.count(bus.bootstrap(), bus.topics().hostCommands("con-down"))).isZero();
    assertThat(readsOf(asleep, id)).isZero();
  }

  @Test
  void aSnapshotWorkflowUnderWayDoesNotHoldAReadBack() throws Exception {
    String id = domain(agent, "con-busy", TestKeys.PROJECT);
    agent.send(bus.topics().snapshotEvents(), id, Codecs.SNAPSHOT_EVENT.encode(TestSnapshotService.event(id,
        SnapshotPhase.CREATING, UUID.randomUUID().toString(), "nightly", null)));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/con-busy/snapshots").json()
        .getValue("inProgress") != null);
    CompletableFuture<RunningGateway.Answer> pending = console("/v1/domains/con-busy/console?tail=9");
    agent.result(readConsole(id, 9), CommandStatusCode.SUCCEEDED, null, null, "still here\n");
    assertThat(answer(pending).body()).isEqualTo("still here\n");
  }
}
