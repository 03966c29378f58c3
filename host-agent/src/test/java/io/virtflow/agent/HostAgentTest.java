package io.virtflow.agent;

import static io.virtflow.agent.AgentBus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Vertx;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.driver.SimHypervisor;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.HostState;
import io.virtflow.schema.HostStatus;

/** The agent on a real broker, seen from the outside: commands in, statuses, events and state out. */
class HostAgentTest {
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
    return start(env, Clock.systemUTC());
  }

  private HostAgent start(Map<String, String> env, Clock clock) {
    agent = HostAgent.start(vertx, bus.config(dataDir, env), clock, UUID::randomUUID).await();
    return agent;
  }

  private SimHypervisor sim() {
    return (SimHypervisor) agent.hypervisor();
  }

  private CommandStatus run(Command command) {
    bus.send(command);
    return bus.terminal(command.getCommandId());
  }

  private static List<String> typesOf(List<DomainEvent> events) {
    return events.stream().map(e -> e.getType() + "/" + e.getDetail()).toList();
  }

  private String definedDomain(String name) {
    String id = Commands.newDomainId();
    assertThat(run(commands.define(id, name)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    return id;
  }

  // ---- the lifecycle -----------------------------------------------------------------------------

  @Test
  void aDomainGoesFromDefineToUndefineWithLibvirtsEventsAndEndsAsATombstone() {
    start(Map.of());
    String web = Commands.newDomainId();
    List<Command> lifecycle = List.of(commands.define(web, "web1"), commands.start(web), commands.suspend(web),
        commands.resume(web), commands.shutdown(web), commands.undefine(web, false));
    bus.send(lifecycle.toArray(Command[]::new));

    for (Command c : lifecycle) {
      CommandStatus done = bus.terminal(c.getCommandId());
      assertThat(done.getStatus()).as(c.getPayload().getClass().getSimpleName()).isEqualTo(CommandStatusCode.SUCCEEDED);
      List<CommandStatus> all = bus.statuses(c.getCommandId());
      assertThat(all).extracting(CommandStatus::getStatus)
          .containsExactly(CommandStatusCode.RUNNING, CommandStatusCode.SUCCEEDED);
      for (CommandStatus s : all) {
        assertThat(s.getDomainId()).isEqualTo(web);
        assertThat(s.getHostId()).isEqualTo(bus.hostId);
        assertThat(s.getOperation()).isEqualTo(c.getPayload().getClass().getSimpleName());
        assertThat(s.getPrincipal()).isEqualTo("alice");
        assertThat(s.getIdempotencyKey()).isEqualTo(c.getIdempotencyKey());
        assertThat(s.getRequestHash()).isEqualTo("sha256:abc");
      }
    }

    eventually().until(() -> bus.events(web).size() == 6);
    List<DomainEvent> events = bus.events(web);
    assertThat(typesOf(events)).containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "SUSPENDED/PAUSED",
        "RESUMED/UNPAUSED", "STOPPED/SHUTDOWN", "UNDEFINED/REMOVED");
    for (int i = 0; i < events.size(); i++) {
      DomainEvent e = events.get(i);
      assertThat(e.getCommandId()).isEqualTo(lifecycle.get(i).getCommandId());
      assertThat(e.getDomainName()).isEqualTo("web1");
      assertThat(e.getHostId()).isEqualTo(bus.hostId);
      assertThat(UUID.fromString(e.getEventId())).isNotNull();
    }
    assertThat(events).extracting(DomainEvent::getState).containsExactly(DomainStateCode.SHUTOFF,
        DomainStateCode.RUNNING, DomainStateCode.PAUSED, DomainStateCode.RUNNING, DomainStateCode.SHUTOFF,
        DomainStateCode.SHUTOFF);

    eventually().until(() -> bus.states(web).size() == 6);
    List<DomainState> states = bus.states(web);
    assertThat(states.subList(0, 5)).extracting(DomainState::getVersion).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(states.get(states.size() - 1)).as("tombstone").isNull();
    DomainState defined = states.get(0);
    assertThat(defined.getName()).isEqualTo("web1");
    assertThat(defined.getPrincipal()).isEqualTo("alice");
    assertThat(defined.getVcpus()).isEqualTo(2);
    assertThat(defined.getMemoryMiB()).isEqualTo(1024);
    assertThat(defined.getDisks()).singleElement().satisfies(d -> {
      assertThat(d.getTarget()).isEqualTo("vda");
      assertThat(d.getFormat()).isEqualTo("qcow2");
      assertThat(d.getPath())
          .isEqualTo(dataDir.resolve("pool").resolve(web + "-vda.qcow2").toAbsolutePath().toString());
    });
    assertThat(sim().lookup(web)).isEmpty();
  }

  @Test
  void eventsThenStateThenTheTerminalStatusAreWrittenInThatOrder() {
    start(Map.of());
    String web = Commands.newDomainId();
    Command define = commands.define(web, "web1");
    run(define);
    eventually().until(() -> bus.states(web).size() == 1 && bus.events(web).size() == 1);
    long eventAt = timestampOf(bus.eventRecords(), web);
    long stateAt = timestampOf(bus.stateRecords(), web);
    long statusAt = bus.statusRecords().stream().filter(r -> r.key().equals(define.getCommandId()))
        .mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
    assertThat(eventAt).isLessThanOrEqualTo(stateAt);
    assertThat(stateAt).isLessThanOrEqualTo(statusAt);
  }

  private static long timestampOf(List<ConsumerRecord<String, byte[]>> records, String key) {
    return records.stream().filter(r -> key.equals(r.key())).mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
  }

  @Test
  void startPausedBootsThenPauses() {
    start(Map.of());
    String web = definedDomain("web1");
    Command start = commands.startPaused(web);
    assertThat(run(start).getDomainState()).isEqualTo(DomainStateCode.PAUSED);
    eventually().untilAsserted(() -> assertThat(typesOf(bus.eventsOf(start.getCommandId())))
        .containsExactly("STARTED/BOOTED", "SUSPENDED/PAUSED"));
  }

  @Test
  void anInvalidTransitionIsRejectedNamingTheStateAndChangesNothing() {
    start(Map.of());
    String web = definedDomain("web1");
    eventually().until(() -> bus.states(web).size() == 1);

    Command resume = commands.resume(web);
    CommandStatus rejected = run(resume);

    assertThat(rejected.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(rejected.getCode()).isEqualTo(ErrorCode.OPERATION_INVALID);
    assertThat(rejected.getMessage()).isEqualTo("cannot resume domain 'web1': it is shut off");
    assertThat(rejected.getDomainState()).isEqualTo(DomainStateCode.SHUTOFF);
    assertThat(sim().lookup(web).orElseThrow().version()).isEqualTo(1);
    // Nothing published for it but its statuses: once the next command's writes are visible (same
    // partitions, later offsets), anything the refused one wrote would be too.
    Command start = commands.start(web);
    run(start);
    eventually().until(() -> bus.eventsOf(start.getCommandId()).size() == 1 && bus.states(web).size() == 2);
    assertThat(bus.eventsOf(resume.getCommandId())).isEmpty();
    assertThat(bus.states(web)).extracting(DomainState::getVersion).containsExactly(1L, 2L);
  }

  @Test
  void undefineOfARunningDomainIsRefusedUnlessForced() {
    start(Map.of());
    String web = definedDomain("web1");
    run(commands.start(web));

    CommandStatus refused = run(commands.undefine(web, false));
    assertThat(refused.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(refused.getCode()).isEqualTo(ErrorCode.OPERATION_INVALID);
    assertThat(refused.getMessage()).contains("it is running");
    assertThat(sim().lookup(web)).isPresent();

    Command forced = commands.undefine(web, true);
    assertThat(run(forced).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().untilAsserted(() -> assertThat(typesOf(bus.eventsOf(forced.getCommandId())))
        .containsExactly("STOPPED/DESTROYED", "UNDEFINED/REMOVED"));
    eventually().until(() -> bus.states(web).size() == 3);
    assertThat(bus.states(web).get(2)).isNull();
  }

  // ---- refusals ----------------------------------------------------------------------------------

  @Test
  void aCommandForAnUnknownDomainIsNoDomain() {
    start(Map.of());
    CommandStatus status = run(commands.start(Commands.newDomainId()));
    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(status.getCode()).isEqualTo(ErrorCode.NO_DOMAIN);
  }

  @Test
  void aCommandForAnotherHostIsInvalidArgAndNeverReachesTheDriver() {
    start(Map.of());
    Command misrouted = Commands.forHost(commands.define(Commands.newDomainId(), "web1"), "elsewhere");
    CommandStatus status = run(misrouted);
    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(status.getCode()).isEqualTo(ErrorCode.INVALID_ARG);
    assertThat(status.getMessage()).isEqualTo("command for host 'elsewhere' reached host '" + bus.hostId + "'");
    assertThat(status.getHostId()).isEqualTo("elsewhere");
    assertThat(sim().calls(Operation.DEFINE)).isZero();
  }

  @Test
  void aBadDefinitionIsInvalidArgAndADuplicateNameIsRefused() {
    start(Map.of());
    CommandStatus bad = run(commands.define(Commands.newDomainId(), "web1", 0, 1024));
    assertThat(bad.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(bad.getCode()).isEqualTo(ErrorCode.INVALID_ARG);
    assertThat(bad.getMessage()).contains("vcpus=0 is outside");

    definedDomain("web1");
    CommandStatus duplicate = run(commands.define(Commands.newDomainId(), "web1"));
    assertThat(duplicate.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(duplicate.getCode()).isEqualTo(ErrorCode.OPERATION_INVALID);
    assertThat(duplicate.getMessage()).isEqualTo("domain 'web1' already exists");
    assertThat(sim().list()).hasSize(1);
  }

  @Test
  void aDriverFailureIsFailedDriverErrorAndTheDomainStaysWhereItWas() {
    start(Map.of());
    String web = definedDomain("web1");
    sim().failNext(Operation.START, "qemu-system-x86_64: could not open disk image");

    CommandStatus failed = run(commands.start(web));
    assertThat(failed.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(failed.getCode()).isEqualTo(ErrorCode.DRIVER_ERROR);
    assertThat(failed.getMessage()).isEqualTo("qemu-system-x86_64: could not open disk image");
    assertThat(failed.getDomainState()).isEqualTo(DomainStateCode.SHUTOFF);

    assertThat(run(commands.start(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }

  // ---- deadlines ---------------------------------------------------------------------------------

  @Test
  void aCommandPastItsDeadlineNeverRuns() {
    start(Map.of());
    String web = definedDomain("web1");
    Command late = Commands.withDeadline(commands.start(web), Instant.now().minusSeconds(1));

    CommandStatus status = run(late);
    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.TIMED_OUT);
    assertThat(status.getCode()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(bus.statuses(late.getCommandId())).extracting(CommandStatus::getStatus)
        .containsExactly(CommandStatusCode.TIMED_OUT);
    assertThat(sim().calls(Operation.START)).isZero();
  }

  @Test
  void aDeadlineThatPassesWhileTheCommandWaitsInLineStopsIt() {
    MutableClock clock = new MutableClock();
    start(Map.of(), clock);
    String web = definedDomain("web1");
    SimHypervisor.Hold hold = sim().holdNext(Operation.START);
    Command start = commands.start(web);
    bus.send(start);
    eventually().until(hold::reached);
    Command suspend = Commands.withDeadline(commands.suspend(web), Instant.now().plusSeconds(60));
    bus.send(suspend);

    clock.advance(Duration.ofMinutes(2));
    hold.release();

    assertThat(bus.terminal(start.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(bus.terminal(suspend.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.TIMED_OUT);
    assertThat(sim().calls(Operation.SUSPEND)).isZero();
  }

  // ---- cancel ------------------------------------------------------------------------------------

  @Test
  void aQueuedCommandCancelledNeverRuns() {
    start(Map.of());
    String web = definedDomain("web1");
    SimHypervisor.Hold hold = sim().holdNext(Operation.START);
    Command start = commands.start(web);
    Command suspend = commands.suspend(web);
    bus.send(start, suspend);
    eventually().until(hold::reached);

    Command cancel = commands.cancel(web, suspend.getCommandId());
    CommandStatus cancelled = run(cancel);
    assertThat(cancelled.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(cancelled.getOperation()).isEqualTo("Cancel");
    CommandStatus target = bus.terminal(suspend.getCommandId());
    assertThat(target.getStatus()).isEqualTo(CommandStatusCode.CANCELLED);
    assertThat(target.getMessage()).contains(cancel.getCommandId());
    assertThat(bus.statuses(suspend.getCommandId())).extracting(CommandStatus::getStatus)
        .containsExactly(CommandStatusCode.CANCELLED);

    hold.release();
    assertThat(bus.terminal(start.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    // The domain's line goes on after the cancelled command.
    assertThat(run(commands.destroy(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(sim().calls(Operation.SUSPEND)).isZero();
  }

  @Test
  void aRunningOrFinishedCommandCannotBeCancelled() {
    start(Map.of());
    String web = definedDomain("web1");
    SimHypervisor.Hold hold = sim().holdNext(Operation.START);
    Command start = commands.start(web);
    bus.send(start);
    eventually().until(hold::reached);

    CommandStatus whileRunning = run(commands.cancel(web, start.getCommandId()));
    assertThat(whileRunning.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(whileRunning.getCode()).isEqualTo(ErrorCode.OPERATION_INVALID);
    assertThat(whileRunning.getMessage()).contains(start.getCommandId() + " is RUNNING");

    hold.release();
    assertThat(bus.terminal(start.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    CommandStatus afterwards = run(commands.cancel(web, start.getCommandId()));
    assertThat(afterwards.getStatus()).isEqualTo(CommandStatusCode.FAILED);
    assertThat(afterwards.getMessage()).isEqualTo("command " + start.getCommandId() + " already ended SUCCEEDED");
  }

  @Test
  void aCancelThatArrivesBeforeItsTargetCancelsTheTargetWhenItComes() {
    start(Map.of());
    String web = definedDomain("web1");
    Command start = commands.start(web);
    CommandStatus cancel = run(commands.cancel(web, start.getCommandId()));
    assertThat(cancel.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(cancel.getMessage()).contains("has not arrived");

    assertThat(run(start).getStatus()).isEqualTo(CommandStatusCode.CANCELLED);
    assertThat(sim().calls(Operation.START)).isZero();
  }

  @Test
  void aCancelPastItsOwnDeadlineTimesOutAndCancelsNothing() {
    start(Map.of());
    String web = definedDomain("web1");
    Command start = commands.start(web);
    Command cancel = Commands.withDeadline(commands.cancel(web, start.getCommandId()), Instant.now().minusSeconds(1));
    CommandStatus status = run(cancel);
    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.TIMED_OUT);
    assertThat(status.getOperation()).isEqualTo("Cancel");

    assertThat(run(start).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }

  // ---- order and concurrency ---------------------------------------------------------------------

  @Test
  void oneDomainWaitsForItsRunningCommandWhileOtherDomainsGoOn() {
    start(Map.of());
    String a = definedDomain("a");
    SimHypervisor.Hold hold = sim().holdNext(Operation.START);
    Command startA = commands.start(a);
    Command shutdownA = commands.shutdown(a);
    bus.send(startA, shutdownA);
    eventually().until(hold::reached);

    String b = Commands.newDomainId();
    List<Command> lifeOfB = List.of(commands.define(b, "b"), commands.start(b), commands.suspend(b),
        commands.resume(b), commands.reboot(b), commands.destroy(b));
    bus.send(lifeOfB.toArray(Command[]::new));
    for (Command c : lifeOfB) {
      assertThat(bus.terminal(c.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    }
    // All of b ran while a's start was held, and a's next command did not start meanwhile.
    assertThat(hold.reached()).isTrue();
    assertThat(sim().calls(Operation.SHUTDOWN)).isZero();
    assertThat(bus.statuses(startA.getCommandId())).extracting(CommandStatus::getStatus)
        .containsExactly(CommandStatusCode.RUNNING);

    hold.release();
    assertThat(bus.terminal(startA.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(bus.terminal(shutdownA.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().untilAsserted(() -> assertThat(typesOf(bus.events(a)))
        .containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "STOPPED/SHUTDOWN"));
    eventually().untilAsserted(() -> assertThat(typesOf(bus.events(b)))
        .containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "SUSPENDED/PAUSED",
        "RESUMED/UNPAUSED", "REBOOTED/NONE", "STOPPED/DESTROYED"));
  }

  @Test
  void manyDomainsUnderLatencyEachKeepTheirOrder() {
    start(Map.of(HostAgentConfig.SIM_LATENCY_MS, "10"));
    List<String> domains = List.of(Commands.newDomainId(), Commands.newDomainId(), Commands.newDomainId(),
        Commands.newDomainId());
    List<Command> all = new java.util.ArrayList<>();
    for (int step = 0; step < 5; step++) {
      for (int i = 0; i < domains.size(); i++) {
        String d = domains.get(i);
        all.add(switch (step) {
          case 0 -> commands.define(d, "vm" + i);
          case 1 -> commands.start(d);
          case 2 -> commands.suspend(d);
          case 3 -> commands.resume(d);
          default -> commands.shutdown(d);
        });
      }
    }
    bus.send(all.toArray(Command[]::new));
    for (Command c : all) {
      assertThat(bus.terminal(c.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    }
    for (String d : domains) {
      eventually().untilAsserted(() -> assertThat(typesOf(bus.events(d)))
          .containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "SUSPENDED/PAUSED",
          "RESUMED/UNPAUSED", "STOPPED/SHUTDOWN"));
      assertThat(sim().lookup(d).orElseThrow().version()).isEqualTo(5);
    }
  }

  @Test
  void noMoreDomainsRunAtOnceThanTheBound() {
    start(Map.of(HostAgentConfig.MAX_CONCURRENT_DOMAINS, "1"));
    String a = definedDomain("a");
    SimHypervisor.Hold hold = sim().holdNext(Operation.START);
    Command startA = commands.start(a);
    bus.send(startA);
    eventually().until(hold::reached);

    Command defineB = commands.define(Commands.newDomainId(), "b");
    bus.send(defineB);
    // b waits in line (the heartbeat counts it) and has not started.
    eventually().until(() -> bus.heartbeats().stream().anyMatch(h -> h.getQueuedCommands() == 1));
    assertThat(sim().calls(Operation.DEFINE)).as("only a's define").isEqualTo(1);

    hold.release();
    assertThat(bus.terminal(defineB.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }

  // ---- bad records, redelivery -------------------------------------------------------------------

  @Test
  void undecodableBytesGoToTheDeadLetterTopicAndTheAgentCarriesOn() {
    start(Map.of());
    String web = Commands.newDomainId();
    bus.sendRaw(web, "this is not a command".getBytes(StandardCharsets.UTF_8));
    assertThat(run(commands.define(web, "web1")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);

    eventually().until(() -> bus.deadLetters().size() == 1);
    ConsumerRecord<String, byte[]> dead = bus.deadLetters().get(0);
    assertThat(dead.key()).isEqualTo(web);
    assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("this is not a command");
    assertThat(AgentBus.header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo(bus.bus.topics().hostCommands(bus.hostId));
    assertThat(AgentBus.header(dead, DeadLetters.ERROR)).contains("not an Avro single-object encoded record");
  }

  @Test
  void aRedeliveredCommandIsAnsweredFromTheJournalNotAppliedAgain() {
    start(Map.of());
    String web = definedDomain("web1");
    Command start = commands.start(web);
    bus.send(start, start);

    eventually().until(() -> bus.statuses(start.getCommandId()).stream().filter(AgentBus::isTerminal).count() == 2);
    List<CommandStatus> terminals = bus.statuses(start.getCommandId()).stream().filter(AgentBus::isTerminal).toList();
    assertThat(terminals.get(1)).isEqualTo(terminals.get(0));
    assertThat(terminals.get(0).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().until(() -> bus.eventsOf(start.getCommandId()).size() == 2);
    List<DomainEvent> events = bus.eventsOf(start.getCommandId());
    assertThat(events.get(1)).as("the same event, republished").isEqualTo(events.get(0));
    assertThat(sim().calls(Operation.START)).isEqualTo(1);
    assertThat(sim().lookup(web).orElseThrow().version()).isEqualTo(2);
  }

  // ---- heartbeat, restart ------------------------------------------------------------------------

  @Test
  void theHeartbeatSaysUpWithCapacityAndUseAndDownOnACleanStop() {
    start(Map.of(HostAgentConfig.HOST_VCPUS, "48", HostAgentConfig.HOST_MEMORY_MIB, "131072"));
    run(commands.define(Commands.newDomainId(), "web1", 2, 4096));
    run(commands.define(Commands.newDomainId(), "db1", 4, 8192));

    eventually().until(() -> bus.heartbeats().stream().anyMatch(h -> h.getDomainCount() == 2));
    HostStatus up = bus.heartbeats().stream().filter(h -> h.getDomainCount() == 2).findFirst().orElseThrow();
    assertThat(up.getState()).isEqualTo(HostState.UP);
    assertThat(up.getAgentEpoch()).isEqualTo(1);
    assertThat(up.getDriver()).isEqualTo("sim");
    assertThat(up.getVcpus()).isEqualTo(48);
    assertThat(up.getMemoryMiB()).isEqualTo(131_072);
    assertThat(up.getMemoryMiBUsed()).isEqualTo(12_288);
    assertThat(up.getHeartbeatIntervalMs()).isEqualTo(200);
    assertThat(up.getHeartbeatAt()).isAfterOrEqualTo(up.getStartedAt());
    assertThat(agent.health().isUp()).isTrue();

    agent.stop().await();
    agent = null;
    eventually().until(() -> bus.heartbeats().get(bus.heartbeats().size() - 1).getState() == HostState.DOWN);
  }

  @Test
  void theHealthEndpointAnswersWhenAPortIsGiven() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    start(Map.of(HostAgentConfig.HEALTH_PORT, Integer.toString(port), HostAgentConfig.HEALTH_HOST, "127.0.0.1"));
    var client = java.net.http.HttpClient.newHttpClient();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/health"))
        .build();
    eventually().untilAsserted(() -> {
      var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"service\":\"host-agent\"", "\"status\":\"UP\"", "consumer",
          "heartbeat", "driver", "commands");
    });
  }

  @Test
  void aSecondAgentOnADataDirectoryInUseDoesNotStart() {
    start(Map.of());
    Throwable refused = HostAgent.start(vertx, bus.config(dataDir, Map.of()), Clock.systemUTC(), UUID::randomUUID)
        .transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())).await();
    assertThat(refused).isNotNull().hasMessageContaining("is in use by another agent");
    // The first one is unharmed.
    assertThat(run(commands.define(Commands.newDomainId(), "web1")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }

  @Test
  void aRestartedAgentFindsItsDomainsAndPublishesTheirStateAgain() {
    start(Map.of());
    String web = definedDomain("web1");
    run(commands.start(web));
    eventually().until(() -> bus.states(web).size() == 2);
    agent.stop().await();

    start(Map.of());
    eventually().until(() -> bus.states(web).size() == 3);
    DomainState republished = bus.states(web).get(2);
    assertThat(republished.getState()).isEqualTo(DomainStateCode.RUNNING);
    assertThat(republished.getVersion()).isEqualTo(2);
    eventually().until(() -> bus.heartbeats().stream().anyMatch(h -> h.getAgentEpoch() == 2));
    assertThat(sim().lookup(web)).map(Domain::version).contains(2L);
    assertThat(run(commands.suspend(web)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }
}
