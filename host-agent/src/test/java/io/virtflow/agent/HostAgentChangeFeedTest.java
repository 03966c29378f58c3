package io.virtflow.agent;

import static io.virtflow.agent.AgentBus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.driver.SimHypervisor;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.StateReason;

/**
 * The change feed with the sim driver: what happens to a domain that no command asked for (the guest
 * powers itself off, crashes, pauses on an I/O error; a change while the agent is down) reaches the event
 * and state topics, once, in order with the command-caused changes; a shutdown the guest ignores ends
 * FAILED TIMEOUT, and a destroy cuts its wait short.
 */
class HostAgentChangeFeedTest {
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

  private HostAgent start(Map<String, String> env) {
    agent = HostAgent.start(vertx, bus.config(dataDir, env), Clock.systemUTC(), UUID::randomUUID).await();
    return agent;
  }

  private SimHypervisor sim() {
    return (SimHypervisor) agent.hypervisor();
  }

  private CommandStatus run(Command command) {
    bus.send(command);
    return bus.terminal(command.getCommandId());
  }

  private String runningDomain(String name) {
    String id = Commands.newDomainId();
    assertThat(run(commands.define(id, name)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(run(commands.start(id)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    return id;
  }

  private static List<String> typesOf(List<DomainEvent> events) {
    return events.stream().map(e -> e.getType() + "/" + e.getDetail()).toList();
  }

  private DomainState lastState(String domainId) {
    List<DomainState> states = bus.states(domainId);
    return states.isEmpty() ? null : states.get(states.size() - 1);
  }

  @Test
  void aGuestThatPowersItselfOffIsPublishedAsStoppedShutdownWithoutACommand() {
    start(Map.of());
    String web = runningDomain("web1");

    sim().guestPowersOff(web);

    eventually().until(() -> typesOf(bus.events(web)).contains("STOPPED/SHUTDOWN"));
    List<DomainEvent> events = bus.events(web);
    assertThat(typesOf(events)).containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "STOPPED/SHUTDOWN");
    DomainEvent outside = events.get(2);
    assertThat(outside.getCommandId()).isNull();
    assertThat(outside.getState()).isEqualTo(DomainStateCode.SHUTOFF);
    assertThat(outside.getReason()).isEqualTo(StateReason.SHUTDOWN);
    // The state topic has a tail of its own, which may lag the events' tail: no state read yet is "not yet".
    eventually().until(() -> lastState(web) != null && lastState(web).getState() == DomainStateCode.SHUTOFF);
    assertThat(lastState(web).getReason()).isEqualTo(StateReason.SHUTDOWN);

    // The next command starts from what was observed: start is legal again.
    assertThat(run(commands.start(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().until(() -> bus.events(web).size() == 4);
    assertThat(typesOf(bus.events(web))).endsWith("STARTED/BOOTED");
  }

  @Test
  void aCrashAndAnIoErrorPauseCarryLibvirtsDetails() {
    start(Map.of());
    String web = runningDomain("web1");
    String db = runningDomain("db1");

    sim().guestCrashes(web);
    sim().guestPausedOnIoError(db);

    eventually().until(() -> typesOf(bus.events(web)).contains("STOPPED/CRASHED"));
    eventually().until(() -> typesOf(bus.events(db)).contains("SUSPENDED/IOERROR"));
    eventually().until(() -> lastState(db) != null && lastState(db).getState() == DomainStateCode.PAUSED);
    assertThat(lastState(db).getReason()).isEqualTo(StateReason.IOERROR);
    assertThat(run(commands.resume(db)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }

  @Test
  void commandCausedChangesReportedByTheFeedAreNotPublishedTwice() {
    start(Map.of());
    String web = runningDomain("web1");
    assertThat(run(commands.suspend(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(run(commands.resume(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    // A resync reads every domain again: nothing changed, nothing is published.
    sim().requestResync();
    sim().guestPowersOff(web);
    eventually().until(() -> typesOf(bus.events(web)).contains("STOPPED/SHUTDOWN"));

    assertThat(typesOf(bus.events(web))).containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "SUSPENDED/PAUSED",
        "RESUMED/UNPAUSED", "STOPPED/SHUTDOWN");
  }

  @Test
  void aChangeWhileTheAgentWasDownIsFoundAtStartAndPublishedOnce() {
    start(Map.of());
    String web = runningDomain("web1");
    String db = runningDomain("db1");
    agent.stop().await();
    agent = null;

    // While no agent runs: the guest of web1 powers off (the sim keeps its domains in the data dir).
    try (SimHypervisor offline = SimHypervisor.open(dataDir, Duration.ZERO, Map.of(), Clock.systemUTC())) {
      offline.guestChangedState(web, State.SHUTOFF, Reason.SHUTDOWN);
    } catch (Exception e) {
      throw new AssertionError(e);
    }

    start(Map.of());
    eventually().until(() -> typesOf(bus.events(web)).contains("STOPPED/SHUTDOWN"));
    eventually().until(() -> lastState(web) != null && lastState(web).getState() == DomainStateCode.SHUTOFF);
    // Once, also across another restart; and the domain that did not change gets no event.
    agent.stop().await();
    start(Map.of());
    assertThat(run(commands.start(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().until(() -> bus.events(web).size() == 4);
    assertThat(typesOf(bus.events(web))).containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "STOPPED/SHUTDOWN",
        "STARTED/BOOTED");
    assertThat(typesOf(bus.events(db))).containsExactly("DEFINED/ADDED", "STARTED/BOOTED");
  }

  @Test
  void aShutdownTheGuestIgnoresEndsFailedTimeoutWithTheGuestStillRunning() {
    start(Map.of(HostAgentConfig.SHUTDOWN_TIMEOUT_MS, "300"));
    String web = runningDomain("web1");
    sim().guestIgnoresShutdown(web, true);

    CommandStatus shutdown = run(commands.shutdown(web));

    assertThat(shutdown.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(shutdown.getCode()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(shutdown.getMessage()).contains("did not shut down within 300 ms").contains("still running");
    assertThat(shutdown.getDomainState()).isEqualTo(DomainStateCode.RUNNING);
    assertThat(sim().lookup(web).orElseThrow().state()).isEqualTo(State.RUNNING);
    // A guest's slowness is not the driver's failure: the breaker stays closed, the next command runs.
    sim().guestIgnoresShutdown(web, false);
    assertThat(run(commands.shutdown(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }

  @Test
  void aDestroyCutsAWaitingShutdownShortAndRunsNext() {
    start(Map.of(HostAgentConfig.SHUTDOWN_TIMEOUT_MS, "20000"));
    String web = runningDomain("web1");
    sim().guestIgnoresShutdown(web, true);
    Command shutdown = commands.shutdown(web);
    bus.send(shutdown);
    eventually().until(() -> bus.statuses(shutdown.getCommandId()).stream()
        .anyMatch(s -> s.getStatus() == CommandStatusCode.RUNNING));
    long t0 = System.nanoTime();

    CommandStatus destroyed = run(commands.destroy(web));

    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(15_000);
    CommandStatus cut = bus.terminal(shutdown.getCommandId());
    assertThat(cut.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(cut.getMessage()).contains("cut short").contains("destroy command");
    assertThat(destroyed.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(sim().lookup(web).orElseThrow().state()).isEqualTo(State.SHUTOFF);
    assertThat(sim().calls(Operation.DESTROY)).isEqualTo(1);
  }
}
