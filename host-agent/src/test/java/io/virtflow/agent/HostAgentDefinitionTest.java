package io.virtflow.agent;

import static io.virtflow.agent.AgentBus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
import io.virtflow.schema.Boot;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.NetInterface;
import io.virtflow.schema.ReadConsole;

/**
 * What a real VM needs in its definition, with the sim driver (which boots nothing but accepts the same
 * definitions): boot files and base images from the host's image directory, interfaces with the MACs the
 * host chose, the opt-in guest agent, the host's images in its heartbeat, and the console (which the sim
 * has not).
 */
class HostAgentDefinitionTest {
  private static Vertx vertx;

  @TempDir
  Path dataDir;

  private AgentBus bus;
  private Commands commands;
  private HostAgent agent;
  private Path images;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void start() throws Exception {
    Qemu.require();
    String hostId = "h-" + UUID.randomUUID().toString().substring(0, 8);
    bus = new AgentBus(hostId);
    commands = new Commands(hostId);
    images = Files.createDirectories(dataDir.resolve("images"));
    Files.writeString(images.resolve("vmlinuz"), "kernel");
    Files.writeString(images.resolve("initrd.img"), "initrd");
    try (var qemu = Qemu.qemuImg()) {
      qemu.create(images.resolve("base.qcow2"), 1);
    }
    agent = HostAgent.start(vertx, bus.config(dataDir.resolve("agent"), Map.of(HostAgentConfig.IMAGE_DIR,
        images.toString())), Clock.systemUTC(), UUID::randomUUID).await();
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.stop().await();
    }
    bus.close();
  }

  private CommandStatus run(Command command) {
    bus.send(command);
    return bus.terminal(command.getCommandId());
  }

  private static Define.Builder guest(String name) {
    return Define.newBuilder().setName(name).setVcpus(1).setMemoryMiB(128)
        .setBoot(Boot.newBuilder().setKernel("vmlinuz").setInitrd("initrd.img").setCmdline("console=ttyS0").build())
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(1).setImage("base.qcow2").build()))
        .setInterfaces(List.of(NetInterface.newBuilder().build(),
            NetInterface.newBuilder().setMac("52:54:00:00:00:42").build()));
  }

  @Test
  void aDefinitionWithBootImagesAndInterfacesIsKeptAndShown() {
    String id = Commands.newDomainId();
    assertThat(run(commands.of(id, guest("web1").build())).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);

    eventually().until(() -> !bus.states(id).isEmpty());
    DomainState state = bus.states(id).get(bus.states(id).size() - 1);
    assertThat(state.getBoot().getKernel()).isEqualTo("vmlinuz");
    assertThat(state.getInterfaces()).hasSize(2);
    assertThat(state.getInterfaces().get(0).getMac()).matches("52:54:00:[0-9a-f:]{8}");
    assertThat(state.getInterfaces().get(1).getMac()).isEqualTo("52:54:00:00:00:42");
    assertThat(state.getGuestAgent()).isFalse();
    // The disk is the domain's own overlay: the base image is its backing file, never written.
    assertThat(state.getDisks().get(0).getImage()).isEqualTo("base.qcow2");
    try (var qemu = Qemu.qemuImg()) {
      assertThat(qemu.info(Path.of(state.getDisks().get(0).getPath())).backing().toString())
          .isEqualTo(images.resolve("base.qcow2").toString());
    }
    // And the host tells what images it has, for placement.
    eventually().until(() -> bus.heartbeats().stream().anyMatch(h -> h.getImages().contains("base.qcow2")));
    HostStatus beat = bus.heartbeats().get(bus.heartbeats().size() - 1);
    assertThat(beat.getImages()).contains("vmlinuz", "initrd.img", "base.qcow2");
    assertThat(beat.getDriverConnected()).isTrue();
  }

  @Test
  void imagesThatAreMissingOrLeaveTheDirectoryAreRefusedAndNothingIsMade() throws Exception {
    String missing = Commands.newDomainId();
    CommandStatus noImage = run(commands.of(missing, guest("db1")
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(1).setImage("nonesuch.qcow2").build()))
        .build()));
    assertThat(noImage.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(noImage.getCode()).isEqualTo(ErrorCode.INVALID_ARG);
    assertThat(noImage.getMessage()).contains("'nonesuch.qcow2' is not in the image directory");

    String escaping = Commands.newDomainId();
    CommandStatus outside = run(commands.of(escaping, guest("db2")
        .setBoot(Boot.newBuilder().setKernel("../agent/outcomes.jsonl").build()).build()));
    assertThat(outside.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(outside.getMessage()).contains("boot.kernel '../agent/outcomes.jsonl' must name a file inside");

    try (var files = Files.list(dataDir.resolve("agent").resolve("pool"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .noneMatch(f -> f.startsWith(missing) || f.startsWith(escaping));
    }
  }

  @Test
  void theSimHasNoConsoleAndSaysSo() {
    String id = Commands.newDomainId();
    assertThat(run(commands.of(id, guest("web2").build())).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    CommandStatus console = run(commands.of(id, ReadConsole.newBuilder().setTailLines(10).build()));
    assertThat(console.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(console.getCode()).isEqualTo(ErrorCode.OPERATION_UNSUPPORTED);
    assertThat(console.getMessage()).contains("no serial console");
  }
}
