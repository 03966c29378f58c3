package io.virtflow.agent;

import static io.virtflow.agent.AgentBus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.agent.disk.QemuImg;
import io.virtflow.agent.domain.DiskStep.Kind;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.driver.SimHypervisor;
import io.virtflow.agent.driver.Calls;
import io.virtflow.agent.store.Intent;
import io.virtflow.agent.store.OutcomeJournal;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DiskStepKind;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;

/**
 * Snapshot workflow commands through the agent on a real broker: jobs (BUSY, expiry, restart), steps on
 * real qcow2 files, exactly once, and InspectDisks. The step semantics themselves are proven in
 * {@code SimHypervisorDiskTest}; here, what a user of the bus sees.
 */
class HostAgentDiskTest {
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

  private HostAgent start(Clock clock) {
    agent = HostAgent.start(vertx, bus.config(dataDir, Map.of()), clock, UUID::randomUUID).await();
    return agent;
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

  private Path pool() {
    return dataDir.resolve("pool").toAbsolutePath();
  }

  private static void assertStatus(CommandStatus s, CommandStatusCode status, ErrorCode code) {
    assertThat(s.getStatus()).as(s.getOperation() + ": " + s.getMessage()).isEqualTo(status);
    assertThat(s.getCode()).as(s.getMessage()).isEqualTo(code);
  }

  private static List<String> typesOf(List<DomainEvent> events) {
    return events.stream().map(e -> e.getType() + "/" + e.getDetail()).toList();
  }

  // ---- jobs --------------------------------------------------------------------------------------

  @Test
  void whileAJobHoldsADomainEveryOtherChangeIsBusyNamingTheJobUntilItEnds() {
    start(Clock.systemUTC());
    String web = definedDomain("web1");
    run(commands.start(web));
    Instant until = Instant.now().plus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MILLIS);

    CommandStatus begun = run(commands.beginJob("j1", web, "snapshot 's1'", until));
    assertStatus(begun, CommandStatusCode.SUCCEEDED, null);
    assertThat(begun.getJobId()).isEqualTo("j1");

    String busy = "domain 'web1' is busy with job j1 (snapshot 's1') until " + until;
    CommandStatus suspend = run(commands.suspend(web));
    assertStatus(suspend, CommandStatusCode.REJECTED, ErrorCode.BUSY);
    assertThat(suspend.getMessage()).isEqualTo(busy);
    assertThat(suspend.getDomainState()).isEqualTo(DomainStateCode.RUNNING);
    assertThat(run(commands.step("j2", web, Commands.powerStep(DiskStepKind.STOP_DOMAIN, false))).getMessage())
        .isEqualTo(busy);
    assertStatus(run(commands.beginJob("j2", web, "revert", until)), CommandStatusCode.REJECTED, ErrorCode.BUSY);
    assertStatus(run(commands.endJob("j2", web)), CommandStatusCode.REJECTED, ErrorCode.BUSY);
    assertThat(sim().calls(io.virtflow.agent.domain.Operation.SUSPEND)).isZero();
    assertThat(sim().stepCalls(Kind.STOP_DOMAIN)).isZero();

    CommandStatus again = run(commands.beginJob("j1", web, "snapshot 's1'", until));
    assertStatus(again, CommandStatusCode.SUCCEEDED, null);
    assertThat(again.getMessage()).startsWith("job j1 already holds domain 'web1'");

    Command stopInJob = commands.step("j1", web, Commands.powerStep(DiskStepKind.STOP_DOMAIN, false));
    CommandStatus stopped = run(stopInJob);
    assertStatus(stopped, CommandStatusCode.SUCCEEDED, null);
    assertThat(bus.statuses(stopInJob.getCommandId())).extracting(CommandStatus::getJobId).containsOnly("j1");

    assertStatus(run(commands.endJob("j1", web)), CommandStatusCode.SUCCEEDED, null);
    assertStatus(run(commands.start(web)), CommandStatusCode.SUCCEEDED, null);
    CommandStatus endedTwice = run(commands.endJob("j1", web));
    assertStatus(endedTwice, CommandStatusCode.SUCCEEDED, null);
    assertThat(endedTwice.getMessage()).contains("does not hold");
  }

  @Test
  void aJobWhoseHolderVanishedExpiresAndOutlivesARestartUntilThen() {
    MutableClock clock = new MutableClock();
    start(clock);
    String web = definedDomain("web1");
    Instant until = clock.instant().plus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.MILLIS);
    assertStatus(run(commands.beginJob("j1", web, "snapshot 's1'", until)), CommandStatusCode.SUCCEEDED, null);
    assertStatus(run(commands.start(web)), CommandStatusCode.REJECTED, ErrorCode.BUSY);

    agent.stop().await();
    start(clock);
    CommandStatus afterRestart = run(commands.start(web));
    assertStatus(afterRestart, CommandStatusCode.REJECTED, ErrorCode.BUSY);
    assertThat(afterRestart.getMessage()).contains("job j1 (snapshot 's1')");

    clock.advance(Duration.ofMinutes(2));
    assertStatus(run(commands.start(web)), CommandStatusCode.SUCCEEDED, null);
    // The expired holder's id no longer holds anything either.
    assertStatus(run(commands.beginJob("j2", web, "revert", clock.instant().plusSeconds(60))),
        CommandStatusCode.SUCCEEDED, null);
  }

  // ---- steps -------------------------------------------------------------------------------------

  @Test
  void stepsMoveTheDiskAndThePowerOnceEachAndTheirStatusesCarryTheJob() {
    Qemu.require();
    start(Clock.systemUTC());
    String web = definedDomain("web1");
    run(commands.start(web));
    String base = pool().resolve(web + "-vda.qcow2").toString();
    String overlay = pool().resolve(web + "-vda-s1.qcow2").toString();

    assertStatus(run(commands.step("j1", web, Commands.diskStep(DiskStepKind.CREATE_OVERLAY, "vda", overlay, base,
        null))), CommandStatusCode.SUCCEEDED, null);
    Command setActive = commands.step("j1", web, Commands.diskStep(DiskStepKind.SET_ACTIVE, "vda", overlay, null,
        null));
    CommandStatus moved = run(setActive);
    assertStatus(moved, CommandStatusCode.SUCCEEDED, null);
    assertThat(moved.getJobId()).isEqualTo("j1");
    eventually().until(() -> bus.states(web).size() == 3);
    DomainState state = bus.states(web).get(2);
    assertThat(state.getVersion()).isEqualTo(3);
    assertThat(state.getDisks()).singleElement().satisfies(d -> assertThat(d.getPath()).isEqualTo(overlay));

    // Redelivered (a replayed workflow reuses its command ids): answered from the journal, not run again.
    bus.send(setActive);
    eventually().until(() -> bus.statuses(setActive.getCommandId()).stream().filter(AgentBus::isTerminal).count() == 2);
    List<CommandStatus> terminals = bus.statuses(setActive.getCommandId()).stream().filter(AgentBus::isTerminal)
        .toList();
    assertThat(terminals.get(1)).isEqualTo(terminals.get(0));
    assertThat(sim().stepCalls(Kind.SET_ACTIVE)).isEqualTo(1);

    Command stop = commands.step("j1", web, Commands.powerStep(DiskStepKind.STOP_DOMAIN, false));
    assertThat(run(stop).getDomainState()).isEqualTo(DomainStateCode.SHUTOFF);
    Command startPaused = commands.step("j1", web, Commands.powerStep(DiskStepKind.START_DOMAIN, true));
    assertThat(run(startPaused).getDomainState()).isEqualTo(DomainStateCode.PAUSED);
    eventually().untilAsserted(() -> {
      assertThat(typesOf(bus.eventsOf(stop.getCommandId()))).containsExactly("STOPPED/FROM_SNAPSHOT");
      assertThat(typesOf(bus.eventsOf(startPaused.getCommandId())))
          .containsExactly("STARTED/FROM_SNAPSHOT", "SUSPENDED/FROM_SNAPSHOT");
    });

    CommandStatus outside = run(commands.step("j1", web, Commands.diskStep(DiskStepKind.CREATE_INTERNAL, "vda",
        "/etc/passwd", null, "s1")));
    assertStatus(outside, CommandStatusCode.REJECTED, ErrorCode.INVALID_ARG);
    assertThat(outside.getMessage()).contains("'/etc/passwd'", "outside the storage pool");
    CommandStatus unsafe = run(commands.step("j1", web, Commands.diskStep(DiskStepKind.DELETE_FILE, "vda", base, null,
        null)));
    assertStatus(unsafe, CommandStatusCode.FAILED, ErrorCode.SNAPSHOT_UNSAFE);
    assertThat(unsafe.getMessage()).contains("it is the backing file of " + overlay);
    assertStatus(run(commands.step("j1", web, Commands.powerStep(DiskStepKind.UNKNOWN, false))),
        CommandStatusCode.REJECTED, ErrorCode.OPERATION_UNSUPPORTED);
  }

  @Test
  void inspectDisksAnswersWithTheRealChainsEvenDuringAJobAndUndefineCanRemoveTheStorage() throws IOException {
    Qemu.require();
    start(Clock.systemUTC());
    String web = definedDomain("web1");
    String db = definedDomain("db1");
    Path base = pool().resolve(web + "-vda.qcow2");
    try (QemuImg qemu = Qemu.qemuImg()) {
      assertThat(qemu.info(base).format()).isEqualTo("qcow2");
      assertThat(qemu.info(base).virtualSize()).isEqualTo(10L << 30);
    }
    run(commands.beginJob("j1", web, "snapshot 's1'", Instant.now().plusSeconds(600)));
    run(commands.step("j1", web, Commands.diskStep(DiskStepKind.CREATE_INTERNAL, "vda", base.toString(), null, "s1")));

    CommandStatus inspected = run(commands.inspectDisks(web));
    assertStatus(inspected, CommandStatusCode.SUCCEEDED, null);
    JsonNode result = new ObjectMapper().readTree(inspected.getResult());
    assertThat(result.path("disks").path("vda").path("active").asText()).isEqualTo(base.toString());
    assertThat(result.path("disks").path("vda").path("chain")).hasSize(1);
    assertThat(result.path("disks").path("vda").path("chain").get(0).path("format").asText()).isEqualTo("qcow2");
    assertThat(result.path("poolFiles")).hasSize(1);
    assertThat(result.path("poolFiles").get(0).asText()).isEqualTo(base.toString());
    assertThat(result.path("tags").path(base.toString()).get(0).asText()).isEqualTo("s1");

    run(commands.endJob("j1", web));
    assertStatus(run(commands.undefine(web, false, true)), CommandStatusCode.SUCCEEDED, null);
    assertThat(base).doesNotExist();
    assertThat(pool().resolve(db + "-vda.qcow2")).exists();
    assertStatus(run(commands.inspectDisks(web)), CommandStatusCode.REJECTED, ErrorCode.NO_DOMAIN);
  }

  @Test
  void stepsCutOffByACrashAreRecordedIfTheyTookEffectAndFoundDoneOtherwise() throws IOException {
    Qemu.require();
    String web = Commands.newDomainId();
    String stopId = UUID.randomUUID().toString();
    String snapshotId = UUID.randomUUID().toString();
    Path base = pool().resolve(web + "-vda.qcow2");
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try (SimHypervisor sim = SimHypervisor.open(dataDir, Duration.ZERO, Map.of(), Clock.systemUTC(), Qemu.qemuImg());
        OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      sim.define(web, new DomainDefinition("web1", 1, 512,
          List.of(new io.virtflow.agent.domain.Disk("vda", 1, "qcow2", null)), "alice"));
      Calls.start(sim, web, false);
      var stop = io.virtflow.agent.domain.DiskStep.of(Kind.STOP_DOMAIN);
      journal.recordIntent(new Intent(stopId, web, "web1", null, stop, 2, State.RUNNING, Reason.BOOTED, at));
      sim.runStep(web, stop);
      var snapshot = new io.virtflow.agent.domain.DiskStep(Kind.CREATE_INTERNAL, "vda", base.toString(), null, null,
          "s1", false);
      journal.recordIntent(new Intent(snapshotId, web, "web1", null, snapshot, 3, State.SHUTOFF,
          Reason.FROM_SNAPSHOT, at));
      sim.runStep(web, snapshot);
    }
    start(Clock.systemUTC());

    Command stop = Commands.withId(commands.step("j1", web, Commands.powerStep(DiskStepKind.STOP_DOMAIN, false)),
        stopId);
    CommandStatus stopped = run(stop);
    assertStatus(stopped, CommandStatusCode.SUCCEEDED, null);
    assertThat(stopped.getMessage()).isEqualTo("took effect before the agent restarted");
    eventually().until(() -> bus.eventsOf(stopId).size() == 1);
    assertThat(typesOf(bus.eventsOf(stopId))).containsExactly("STOPPED/FROM_SNAPSHOT");

    Command snapshot = Commands.withId(commands.step("j1", web, Commands.diskStep(DiskStepKind.CREATE_INTERNAL, "vda",
        base.toString(), null, "s1")), snapshotId);
    CommandStatus snapped = run(snapshot);
    assertStatus(snapped, CommandStatusCode.SUCCEEDED, null);
    assertThat(snapped.getMessage()).isEqualTo("already done: " + base + " holds internal snapshot 's1'");
    try (QemuImg qemu = Qemu.qemuImg()) {
      assertThat(qemu.tags(base)).containsExactly("s1");
    }
    assertThat(sim().stepCalls(Kind.STOP_DOMAIN)).isZero();
  }

  @Test
  void anAgentWhoseQemuImgCannotRunDoesNotStartAndSaysWhy() {
    Throwable refused = HostAgent.start(vertx, bus.config(dataDir, Map.of(HostAgentConfig.SIM_DISK_BACKEND, "qcow2",
        HostAgentConfig.QEMU_IMG, "/nonexistent/qemu-img")), Clock.systemUTC(), UUID::randomUUID)
        .transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(refused).isNotNull()
        .hasMessageContaining("the qcow2 disk backend needs qemu-img (Debian package qemu-utils)")
        .hasMessageContaining("/nonexistent/qemu-img");
    assertThat(Files.exists(dataDir.resolve("agent.epoch"))).as("nothing counted").isFalse();
  }
}
