package io.virtflow.agent;

import static io.virtflow.agent.AgentBus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.driver.SimHypervisor;
import io.virtflow.agent.driver.Calls;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Intent;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.OutcomeJournal;
import io.virtflow.agent.store.RecordedEvent;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainStateCode;

/** Exactly-once effects across a crash: the agent dies mid-stream, a new one takes over its data directory. */
class HostAgentCrashTest {
  private static Vertx vertx;

  @TempDir
  Path dataDir;

  private AgentBus bus;
  private Commands commands;
  private final List<HostAgent> agents = new ArrayList<>();

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
    agents.forEach(a -> a.stop().await());
    bus.close();
  }

  private HostAgent start(Map<String, String> env) {
    HostAgent agent = HostAgent.start(vertx, bus.config(dataDir, env), Clock.systemUTC(), UUID::randomUUID).await();
    agents.add(agent);
    return agent;
  }

  private static SimHypervisor sim(HostAgent agent) {
    return (SimHypervisor) agent.hypervisor();
  }

  private static String typeOf(DomainEvent e) {
    return e.getType() + "/" + e.getDetail();
  }

  @Test
  void anAgentKilledMidStreamAndRestartedAppliesEveryCommandExactlyOnce() {
    HostAgent first = start(Map.of(HostAgentConfig.SIM_LATENCY_MS, "10"));
    // The first reboot to reach the hypervisor hangs there until the agent is being killed: that command
    // takes effect with no outcome recorded, the hardest case for the restarted agent.
    SimHypervisor.Hold hold = sim(first).holdNext(Operation.REBOOT);

    List<String> domains = new ArrayList<>();
    Map<String, List<Command>> byDomain = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) {
      String d = Commands.newDomainId();
      domains.add(d);
      byDomain.put(d, List.of(commands.define(d, "vm" + i), commands.start(d), commands.suspend(d),
          commands.resume(d), commands.reboot(d), commands.shutdown(d), commands.start(d), commands.destroy(d)));
    }
    List<Command> stream = new ArrayList<>();
    for (int step = 0; step < 8; step++) {
      for (String d : domains) {
        stream.add(byDomain.get(d).get(step));
      }
    }
    bus.send(stream.toArray(Command[]::new));

    eventually().until(hold::reached);
    Future<Void> killed = first.crash();
    hold.release();
    killed.await();
    long endedBeforeTheCrash = stream.stream()
        .filter(c -> bus.statuses(c.getCommandId()).stream().anyMatch(AgentBus::isTerminal)).count();

    HostAgent second = start(Map.of(HostAgentConfig.SIM_LATENCY_MS, "10"));

    for (Command c : stream) {
      bus.terminal(c.getCommandId());
    }
    List<String> settledByVersion = new ArrayList<>();
    for (Command c : stream) {
      List<CommandStatus> terminals = bus.statuses(c.getCommandId()).stream().filter(AgentBus::isTerminal).toList();
      // Every answer, first or republished, is the same success: a command applied twice would have been
      // refused by the state machine the second time.
      assertThat(terminals).allSatisfy(s -> assertThat(s.getStatus()).as(c.getCommandId())
          .isEqualTo(CommandStatusCode.SUCCEEDED));
      if ("took effect before the agent restarted".equals(terminals.get(0).getMessage())) {
        settledByVersion.add(c.getCommandId());
      }
    }
    for (Command c : stream) {
      // One event per command (each of these moves one step), however often it was published.
      eventually().untilAsserted(() -> assertThat(bus.eventsOf(c.getCommandId()).stream()
          .map(DomainEvent::getEventId).distinct())
          .as("distinct events of %s", c.getPayload().getClass().getSimpleName()).hasSize(1));
    }
    assertThat(settledByVersion).as("the held reboot").isNotEmpty();
    assertThat(endedBeforeTheCrash).as("the crash came mid-stream").isLessThan(stream.size());

    for (String d : domains) {
      // define makes version 1, each of the 7 later commands one more: none was applied twice.
      Domain domain = sim(second).lookup(d).orElseThrow();
      assertThat(domain.version()).isEqualTo(8);
      assertThat(domain.state()).isEqualTo(State.SHUTOFF);
      assertThat(domain.reason()).isEqualTo(Reason.DESTROYED);

      Map<String, DomainEvent> firstSeen = new LinkedHashMap<>();
      bus.events(d).forEach(e -> firstSeen.putIfAbsent(e.getEventId(), e));
      assertThat(firstSeen.values().stream().map(HostAgentCrashTest::typeOf).toList()).containsExactly(
          "DEFINED/ADDED", "STARTED/BOOTED", "SUSPENDED/PAUSED", "RESUMED/UNPAUSED", "REBOOTED/NONE",
          "STOPPED/SHUTDOWN", "STARTED/BOOTED", "STOPPED/DESTROYED");
      eventually().until(() -> {
        var states = bus.states(d);
        var last = states.get(states.size() - 1);
        return last != null && last.getVersion() == 8 && last.getState() == DomainStateCode.SHUTOFF;
      });
    }
    eventually().until(() -> bus.heartbeats().stream().anyMatch(h -> h.getAgentEpoch() == 2));
  }

  @Test
  void aKilledAgentsRestartTakesItsCommandsAtOnceNotAfterTheKilledMembersSession() throws Exception {
    HostAgent first = start(Map.of());
    String d = Commands.newDomainId();
    assertThat(bus.terminalOf(commands.define(d, "fast")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    first.kill().await();
    // Killed as SIGKILL would: the member did not leave; its session (45 s) has not expired.
    String group = io.virtflow.platform.security.BusAcls.agentGroup(bus.hostId);
    var members = io.virtflow.platform.testing.KafkaFixture.admin().describeConsumerGroups(List.of(group)).all()
        .get(10, java.util.concurrent.TimeUnit.SECONDS).get(group).members();
    assertThat(members).singleElement().satisfies(m -> assertThat(m.groupInstanceId())
        .contains(bus.bus.topics().namespace() + ".agent-" + bus.hostId));

    Future<HostAgent> second = HostAgent.start(vertx, bus.config(dataDir, Map.of()), Clock.systemUTC(),
        UUID::randomUUID).onSuccess(agents::add);
    Command startIt = commands.start(d);
    bus.send(startIt);
    // The restarted instance has the killed one's group.instance.id and takes its partitions at once; a new
    // dynamic member would wait for the killed member's session to expire (45 s) before it got them.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> bus.statuses(startIt.getCommandId()).stream().anyMatch(AgentBus::isTerminal));
    assertThat(bus.terminal(startIt.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(second.await().health().isUp()).isTrue();
  }

  // ---- a journal left behind by a crash ----------------------------------------------------------

  private Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  /** web1, defined; returns its id. The journal then holds an intent to start it, as a crash left it. */
  private String web1WithAnUnfinishedStart(String startCommandId, boolean startReachedTheHypervisor)
      throws IOException {
    String web = Commands.newDomainId();
    try (SimHypervisor sim = SimHypervisor.open(dataDir, Duration.ZERO, Map.of(), Clock.systemUTC());
        OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      sim.define(web, new DomainDefinition("web1", 1, 512, List.of(), "alice"));
      journal.recordIntent(new Intent(startCommandId, web, "web1", Request.of(Operation.START), 1, State.SHUTOFF,
          Reason.UNKNOWN, now()));
      if (startReachedTheHypervisor) {
        Calls.start(sim, web, false);
      }
    }
    return web;
  }

  private Command withId(Command command, String commandId) {
    return Command.newBuilder(command).setCommandId(commandId).build();
  }

  @Test
  void aCommandCutOffAfterItTookEffectIsRecordedWithItsEventsAndNotRedone() throws IOException {
    String startId = UUID.randomUUID().toString();
    String web = web1WithAnUnfinishedStart(startId, true);
    HostAgent agent = start(Map.of());

    bus.send(withId(commands.start(web), startId));
    CommandStatus status = bus.terminal(startId);

    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(status.getMessage()).isEqualTo("took effect before the agent restarted");
    assertThat(status.getDomainState()).isEqualTo(DomainStateCode.RUNNING);
    eventually().until(() -> bus.eventsOf(startId).size() == 1);
    assertThat(bus.eventsOf(startId)).extracting(HostAgentCrashTest::typeOf).containsExactly("STARTED/BOOTED");
    assertThat(sim(agent).calls(Operation.START)).isZero();
    assertThat(sim(agent).lookup(web).orElseThrow().version()).isEqualTo(2);
  }

  @Test
  void aCommandCutOffBeforeItTookEffectRunsOnce() throws IOException {
    String startId = UUID.randomUUID().toString();
    String web = web1WithAnUnfinishedStart(startId, false);
    HostAgent agent = start(Map.of());

    bus.send(withId(commands.start(web), startId));
    CommandStatus status = bus.terminal(startId);

    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(status.getMessage()).isNull();
    assertThat(sim(agent).calls(Operation.START)).isEqualTo(1);
    assertThat(sim(agent).lookup(web).orElseThrow().version()).isEqualTo(2);
  }

  @Test
  void aCommandCutOffBeforeItTookEffectWhoseDeadlinePassedMeanwhileTimesOut() throws IOException {
    String startId = UUID.randomUUID().toString();
    String web = web1WithAnUnfinishedStart(startId, false);
    HostAgent agent = start(Map.of());

    bus.send(Commands.withDeadline(withId(commands.start(web), startId), Instant.now().minusSeconds(1)));
    CommandStatus status = bus.terminal(startId);

    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.TIMED_OUT);
    assertThat(sim(agent).calls(Operation.START)).isZero();
  }

  @Test
  void aCommandThatHadStartedBeforeACrashCannotBeCancelled() throws IOException {
    String startId = UUID.randomUUID().toString();
    String web = web1WithAnUnfinishedStart(startId, true);
    start(Map.of());

    CommandStatus cancel = bus.terminalOf(commands.cancel(web, startId));
    assertThat(cancel.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(cancel.getMessage()).isEqualTo("command " + startId
        + " has started: only a command that has not started can be cancelled");
  }

  @Test
  void aCommandWhoseOutcomeWasRecordedButNotPublishedIsPublishedAsRecorded() throws IOException {
    String web = Commands.newDomainId();
    Command start = commands.start(web);
    Instant at = now().minusSeconds(30);
    UUID eventId = UUID.randomUUID();
    try (SimHypervisor sim = SimHypervisor.open(dataDir, Duration.ZERO, Map.of(), Clock.systemUTC());
        OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      sim.define(web, new DomainDefinition("web1", 1, 512, List.of(), "alice"));
      Calls.start(sim, web, false);
      journal.recordOutcome(Outcome.succeeded(
          new CommandRef(start.getCommandId(), web, bus.hostId, "Start", "alice", start.getIdempotencyKey(),
              start.getRequestHash()),
          null, State.RUNNING, at, "web1",
          List.of(new RecordedEvent(eventId, new Event(Event.Type.STARTED, Event.Detail.BOOTED, State.RUNNING,
              Reason.BOOTED), at))));
    }
    HostAgent agent = start(Map.of());

    bus.send(start);
    CommandStatus status = bus.terminal(start.getCommandId());

    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(status.getAt()).isEqualTo(at);
    eventually().until(() -> bus.eventsOf(start.getCommandId()).size() == 1);
    DomainEvent event = bus.eventsOf(start.getCommandId()).get(0);
    assertThat(event.getEventId()).isEqualTo(eventId.toString());
    assertThat(event.getAt()).isEqualTo(at);
    assertThat(sim(agent).calls(Operation.START)).isZero();
    assertThat(sim(agent).lookup(web).orElseThrow().version()).isEqualTo(2);
  }
}
