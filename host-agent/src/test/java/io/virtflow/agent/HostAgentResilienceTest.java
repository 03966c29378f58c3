package io.virtflow.agent;

import static io.virtflow.agent.AgentBus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Vertx;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.driver.SimHypervisor;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.HostStatus;

/** The agent when its driver fails, hangs or is overloaded, and when its own work loop is blocked. */
class HostAgentResilienceTest {
  private static Vertx vertx;

  @TempDir
  Path dataDir;

  private AgentBus bus;
  private Commands commands;
  private HostAgent agent;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void bus() {
    String hostId = "h-" + UUID.randomUUID().toString().substring(0, 8);
    bus = new AgentBus(hostId);
    commands = new Commands(hostId);
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.stop().await();
    }
    bus.close();
  }

  private void start(Map<String, String> env, Clock clock) {
    agent = HostAgent.start(vertx, bus.config(dataDir, env), clock, UUID::randomUUID).await();
  }

  private SimHypervisor sim() {
    return (SimHypervisor) agent.hypervisor();
  }

  private CommandStatus run(Command command) {
    return bus.terminalOf(command);
  }

  private String definedDomain(String name) {
    String id = Commands.newDomainId();
    assertThat(run(commands.define(id, name)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    return id;
  }

  @Test
  void driverFailuresOpenTheBreakerCommandsThenFailFastAndItClosesAgainAfterTheWait() {
    MutableClock clock = new MutableClock();
    start(Map.of(), clock);
    String web = definedDomain("web1");
    for (int i = 0; i < 4; i++) {
      sim().failNext(Operation.START, "libvirtd: connection reset");
      CommandStatus failed = run(commands.start(web));
      assertThat(failed.getCode()).isEqualTo(ErrorCode.DRIVER_ERROR);
      assertThat(failed.getMessage()).isEqualTo("libvirtd: connection reset");
    }

    // define + 4 failed starts: 4 failures in 5 calls, past 50 %.
    CommandStatus fast = run(commands.start(web));
    assertThat(fast.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(fast.getCode()).isEqualTo(ErrorCode.DRIVER_ERROR);
    assertThat(fast.getMessage()).isEqualTo("hypervisor driver unavailable: circuit breaker open after 4 failures in "
        + "the last 5 calls; retrying in ~5 s");
    assertThat(sim().calls(Operation.START)).as("the fifth start never reached the driver").isEqualTo(4);
    eventually().until(() -> lastBreakerState().equals("OPEN"));
    assertThat(agent.health().report().getJsonObject("checks").getJsonObject("driver").getString("status"))
        .isEqualTo("DOWN");

    clock.advance(Duration.ofSeconds(6));
    assertThat(run(commands.start(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(run(commands.suspend(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().until(() -> lastBreakerState().equals("CLOSED"));
    assertThat(bus.heartbeats()).extracting(HostStatus::getDriverBreaker).containsSubsequence("CLOSED", "OPEN", "CLOSED");
    assertThat(sim().calls(Operation.START)).isEqualTo(5);
  }

  @Test
  void domainRefusalsNeverOpenTheBreaker() {
    start(Map.of(), Clock.systemUTC());
    String web = definedDomain("web1");
    for (int i = 0; i < 8; i++) {
      CommandStatus refused = run(commands.suspend(web));
      assertThat(refused.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
      assertThat(refused.getCode()).isEqualTo(ErrorCode.OPERATION_INVALID);
    }
    // The agent decides what is legal (the lifecycle table): the driver is never asked.
    assertThat(sim().calls(Operation.SUSPEND)).isZero();
    assertThat(run(commands.start(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().until(() -> bus.heartbeats().size() >= 2);
    assertThat(bus.heartbeats()).extracting(HostStatus::getDriverBreaker).containsOnly("CLOSED");
  }

  @Test
  void aHungCallEndsTimeoutWithinTheLimitAndLaterCallsProceed() {
    start(Map.of(HostAgentConfig.DRIVER_TIMEOUT_MS, "500"), Clock.systemUTC());
    String web = definedDomain("web1");
    String db = definedDomain("db1");
    SimHypervisor.Hold hold = sim().holdNext(Operation.START);
    long t0 = System.nanoTime();

    CommandStatus timedOut = run(commands.start(web));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(timedOut.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(timedOut.getCode()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(timedOut.getMessage()).isEqualTo("hypervisor call start did not return within 500 ms; whether it took "
        + "effect shows in the domain's version");
    assertThat(tookMs).isLessThan(5_000);
    assertThat(hold.reached()).isTrue();

    assertThat(run(commands.start(db)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    hold.release();
  }

  @Test
  void theBulkheadBoundsDriverCallsToTheConcurrentDomainBound() {
    start(Map.of(HostAgentConfig.DRIVER_TIMEOUT_MS, "300", HostAgentConfig.MAX_CONCURRENT_DOMAINS, "1"),
        Clock.systemUTC());
    String web = definedDomain("web1");
    String db = definedDomain("db1");
    SimHypervisor.Hold hold = sim().holdNext(Operation.START);
    assertThat(run(commands.start(web)).getCode()).isEqualTo(ErrorCode.TIMEOUT);

    CommandStatus busy = run(commands.start(db));
    assertThat(busy.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(busy.getCode()).isEqualTo(ErrorCode.DRIVER_ERROR);
    assertThat(busy.getMessage()).startsWith("hypervisor driver busy: all 1 driver calls are taken");
    assertThat(sim().calls(Operation.START)).as("only the hung start reached the driver").isEqualTo(1);

    hold.release();
    eventually().until(() -> run(commands.start(db)).getStatus() == CommandStatusCode.SUCCEEDED);
  }

  @Test
  void aBlockedWorkLoopSendsNoHeartbeatAndReportsItsLagWhenFree() {
    start(Map.of(), Clock.systemUTC());
    eventually().until(() -> bus.heartbeats().size() >= 2);
    assertThat(bus.heartbeats()).allSatisfy(h -> assertThat(h.getLoopLagMs()).isLessThan(1_000));

    Instant blockedFrom = Instant.now();
    agent.blockWorkLoopFor(Duration.ofMillis(1_500));
    Instant blockedUntil = blockedFrom.plusMillis(1_500);

    eventually().until(() -> bus.heartbeats().stream().anyMatch(h -> h.getLoopLagMs() >= 500));
    eventually().until(() -> bus.heartbeats().stream().filter(h -> h.getHeartbeatAt().isAfter(blockedUntil)).count() >= 3);
    // The heartbeat interval is 200 ms: a free loop would have sent about seven in this window.
    assertThat(bus.heartbeats()).noneMatch(h -> h.getHeartbeatAt().isAfter(blockedFrom.plusMillis(300))
        && h.getHeartbeatAt().isBefore(blockedUntil.minusMillis(100)));
  }

  /** What the latest heartbeat says of the driver's breaker; empty before the first. */
  private String lastBreakerState() {
    List<HostStatus> heartbeats = bus.heartbeats();
    return heartbeats.isEmpty() ? "" : heartbeats.get(heartbeats.size() - 1).getDriverBreaker();
  }
}
