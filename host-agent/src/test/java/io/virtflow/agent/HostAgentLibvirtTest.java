package io.virtflow.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.virtflow.platform.testing.RealLibvirt;
import io.virtflow.agent.driver.libvirt.LibvirtHypervisor;
import io.virtflow.schema.Boot;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.NetInterface;
import io.virtflow.schema.ReadConsole;
import io.virtflow.schema.StateReason;

/**
 * The agent with the libvirt driver on a real libvirtd and real QEMU guests, seen from the bus: what the
 * guest does on its own and what is done behind virtflow's back reach the event and state topics; a
 * change made while the agent is down is published once at its restart; an agent killed in the middle of
 * a start boots the guest once.
 */
class HostAgentLibvirtTest {
  private static Vertx vertx;

  @TempDir
  Path dataDir;

  private AgentBus bus;
  private Commands commands;
  private HostAgent agent;
  private String namespacePrefix;

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
    RealLibvirt.require();
    String hostId = "lv-" + UUID.randomUUID().toString().substring(0, 8);
    bus = new AgentBus(hostId);
    commands = new Commands(hostId);
    namespacePrefix = "vf+" + bus.bus.topics().namespace() + "+" + hostId + "+";
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.stop().await();
    }
    if (bus != null) {
      RealLibvirt.removeDomainsStartingWith(namespacePrefix);
      bus.close();
    }
  }

  private HostAgent start() {
    agent = HostAgent.start(vertx, bus.config(dataDir, Map.of(
        HostAgentConfig.DRIVER, "libvirt",
        HostAgentConfig.LIBVIRT_URI, RealLibvirt.URI,
        HostAgentConfig.IMAGE_DIR, RealLibvirt.images().toString(),
        HostAgentConfig.SHUTDOWN_TIMEOUT_MS, "15000",
        HostAgentConfig.RESYNC_MS, "2000")), Clock.systemUTC(), UUID::randomUUID).await();
    return agent;
  }

  private CommandStatus run(Command command) {
    bus.send(command);
    return bus.terminal(command.getCommandId());
  }

  private Command define(String id, String name, String cmdlineExtra) {
    return commands.of(id, Define.newBuilder().setName(name).setVcpus(1).setMemoryMiB(128)
        .setBoot(Boot.newBuilder().setKernel("vmlinuz").setInitrd("initrd.img")
            .setCmdline(RealLibvirt.CMDLINE + cmdlineExtra).build())
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(1).setImage("base.qcow2").build()))
        .setInterfaces(List.of(NetInterface.newBuilder().build()))
        .build());
  }

  private Path consoleOf(String id) {
    return ((LibvirtHypervisor) agent.hypervisor()).consoleLogOf(id);
  }

  private void awaitReady(String id) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        .until(() -> RealLibvirt.readyCount(consoleOf(id)) >= 1);
  }

  private static List<String> typesOf(List<DomainEvent> events) {
    return events.stream().map(e -> e.getType() + "/" + e.getDetail()).toList();
  }

  private DomainState lastState(String id) {
    List<DomainState> states = bus.states(id);
    return states.isEmpty() ? null : states.get(states.size() - 1);
  }

  @Test
  void whatTheGuestAndOthersDoReachesTheBusAndAChangeWhileDownIsPublishedOnce() {
    start();
    String id = Commands.newDomainId();
    assertThat(run(define(id, "self", " virtflow.poweroff_after=2")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(run(commands.start(id)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    awaitReady(id);
    CommandStatus console = run(commands.of(id, ReadConsole.newBuilder().setTailLines(50).build()));
    assertThat(console.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(console.getResult()).contains(RealLibvirt.READY);

    // The guest powers itself off: libvirt's STOPPED/SHUTDOWN, no command.
    await().atMost(Duration.ofSeconds(60)).until(() -> typesOf(bus.events(id)).contains("STOPPED/SHUTDOWN"));
    DomainEvent off = bus.events(id).stream().filter(e -> e.getType().name().equals("STOPPED")).findFirst().orElseThrow();
    assertThat(off.getCommandId()).isNull();
    await().atMost(Duration.ofSeconds(30)).until(() -> lastState(id).getState() == DomainStateCode.SHUTOFF);
    assertThat(lastState(id).getReason()).isEqualTo(StateReason.SHUTDOWN);

    // Started again, then destroyed behind the agent's back while it is down.
    String other = Commands.newDomainId();
    assertThat(run(define(other, "behind", "")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(run(commands.start(other)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    agent.stop().await();
    agent = null;
    RealLibvirt.virsh("destroy", other);
    start();
    await().atMost(Duration.ofSeconds(30)).until(() -> typesOf(bus.events(other)).contains("STOPPED/DESTROYED"));
    await().atMost(Duration.ofSeconds(30)).until(() -> lastState(other).getReason() == StateReason.DESTROYED);
    // Once: the periodic resyncs (every 2 s here) find nothing new.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() > deadline);
    assertThat(typesOf(bus.events(other))).containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "STOPPED/DESTROYED");
    assertThat(typesOf(bus.events(id))).containsExactly("DEFINED/ADDED", "STARTED/BOOTED", "STOPPED/SHUTDOWN");
  }

  @Test
  void anAgentKilledDuringAStartBootsTheGuestOnce() {
    start();
    String id = Commands.newDomainId();
    assertThat(run(define(id, "once", "")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    Command startIt = commands.start(id);
    bus.send(startIt);
    // Killed as soon as the start is under way: before or after libvirt's create, nobody knows.
    await().atMost(Duration.ofSeconds(30)).until(() -> !bus.statuses(startIt.getCommandId()).isEmpty());
    agent.kill().await();
    agent = null;

    start();
    CommandStatus done = bus.terminal(startIt.getCommandId());
    assertThat(done.getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(done.getDomainState()).isEqualTo(DomainStateCode.RUNNING);
    awaitReady(id);
    // One boot: had the start run twice, libvirt would have refused it (already active) or the guest
    // would have booted again; give a second boot time to show.
    long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
    await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() > deadline);
    assertThat(RealLibvirt.readyCount(consoleOf(id))).isEqualTo(1);
    assertThat(bus.eventsOf(startIt.getCommandId()).stream().map(DomainEvent::getEventId).distinct()).hasSize(1);
    assertThat(run(commands.destroy(id)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(run(commands.undefine(id, false)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }
}
