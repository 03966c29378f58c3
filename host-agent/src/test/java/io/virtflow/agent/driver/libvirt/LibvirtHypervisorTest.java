package io.virtflow.agent.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.agent.HostAgentConfig;
import io.virtflow.platform.testing.RealLibvirt;
import io.virtflow.agent.domain.Boot;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.driver.Calls;
import io.virtflow.agent.driver.DriverStatus;
import io.virtflow.agent.driver.HypervisorException;
import io.virtflow.agent.driver.Observer;

/**
 * The libvirt driver on a real libvirtd with real QEMU guests (TCG): a busybox guest that boots in a few
 * seconds. One driver for the class, in a namespace of its own; every domain it made is removed after.
 */
class LibvirtHypervisorTest {
  private static final String NAMESPACE = "t" + UUID.randomUUID().toString().substring(0, 8);
  private static final String HOST = "lv1";

  @TempDir
  static Path dataDir;

  private static LibvirtHypervisor driver;
  private static final List<String> changes = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void open() throws Exception {
    Path images = RealLibvirt.images();
    HostAgentConfig config = HostAgentConfig.from(Map.of(
        HostAgentConfig.HOST_ID, HOST,
        HostAgentConfig.DATA_DIR, dataDir.toString(),
        HostAgentConfig.DRIVER, "libvirt",
        HostAgentConfig.LIBVIRT_URI, RealLibvirt.URI,
        HostAgentConfig.IMAGE_DIR, images.toString(),
        HostAgentConfig.SHUTDOWN_TIMEOUT_MS, "15000",
        "VIRTFLOW_TOPIC_NAMESPACE", NAMESPACE));
    driver = LibvirtHypervisor.open(config, Clock.systemUTC());
    driver.watch(new Observer() {
      @Override
      public void changed(String domainId, Optional<Event> hint) {
        changes.add(domainId + " " + hint.map(e -> e.type() + "/" + e.detail()).orElse("-"));
      }

      @Override
      public void resync() {
      }

      @Override
      public void connection(DriverStatus status) {
      }
    });
  }

  @AfterAll
  static void close() {
    if (driver != null) {
      RealLibvirt.removeDomainsStartingWith("vf+" + NAMESPACE + "+");
      driver.close();
    }
  }

  private static DomainDefinition guest(String name, String cmdlineExtra) {
    return new DomainDefinition(name, 1, 128, List.of(new Disk("vda", 1, Disk.QCOW2, null, "base.qcow2")), false,
        "alice", "blue", new Boot("vmlinuz", "initrd.img", RealLibvirt.CMDLINE + cmdlineExtra),
        List.of(NetInterface.user()));
  }

  private static void awaitReady(String id, int times) {
    Path log = driver.consoleLogOf(id);
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        .until(() -> RealLibvirt.readyCount(log) >= times);
  }

  private static Domain domain(String id) {
    return driver.lookup(id).orElseThrow();
  }

  @Test
  void aRealGuestGoesThroughItsWholeLifecycle() throws Exception {
    String id = UUID.randomUUID().toString();
    Domain defined = driver.define(id, guest("web1", "")).domain();
    assertThat(defined.state()).isEqualTo(State.SHUTOFF);
    assertThat(defined.interfaces()).singleElement().satisfies(n -> assertThat(n.mac()).startsWith("52:54:00:"));
    // libvirt knows it by virtflow's id; its name carries the namespace and the host.
    assertThat(RealLibvirt.virsh("domstate", id).trim()).isEqualTo("shut off");
    assertThat(RealLibvirt.virsh("domname", id).trim()).isEqualTo("vf+" + NAMESPACE + "+" + HOST + "+web1");
    Path disk = Path.of(defined.disks().get(0).path());
    assertThat(disk).exists().startsWith(dataDir);

    Domain running = Calls.start(driver, id, false).domain();
    assertThat(running.state()).isEqualTo(State.RUNNING);
    assertThat(running.reason()).isEqualTo(Reason.BOOTED);
    assertThat(running.version()).isGreaterThan(defined.version());
    awaitReady(id, 1);
    assertThat(RealLibvirt.console(driver.consoleLogOf(id))).contains("virtflow-guest: disks: vda");

    assertThat(Calls.suspend(driver, id).domain().state()).isEqualTo(State.PAUSED);
    assertThat(RealLibvirt.virsh("domstate", id, "--reason").trim()).isEqualTo("paused (user)");
    assertThat(Calls.resume(driver, id).domain().state()).isEqualTo(State.RUNNING);

    Domain rebooted = Calls.reboot(driver, id).domain();
    assertThat(rebooted.state()).isEqualTo(State.RUNNING);
    awaitReady(id, 2);

    Domain off = Calls.shutdown(driver, id).domain();
    assertThat(off.state()).isEqualTo(State.SHUTOFF);
    assertThat(off.reason()).isEqualTo(Reason.SHUTDOWN);
    assertThat(RealLibvirt.console(driver.consoleLogOf(id))).contains("power button pressed");

    Calls.undefine(driver, id, false, true);
    assertThat(driver.lookup(id)).isEmpty();
    assertThat(disk).doesNotExist();
    assertThat(driver.consoleLogOf(id)).doesNotExist();
    assertThat(RealLibvirt.virsh("list", "--all", "--name")).doesNotContain(id)
        .doesNotContain("vf+" + NAMESPACE + "+" + HOST + "+web1");
  }

  @Test
  void changesBehindVirtflowsBackAreObservedWithLibvirtsDetails() {
    String id = UUID.randomUUID().toString();
    driver.define(id, guest("self-off", " virtflow.poweroff_after=2"));
    Calls.start(driver, id, false);
    long before = domain(id).version();

    // The guest powers itself off: nobody asked virtflow.
    await().atMost(Duration.ofSeconds(90)).until(() -> changes.contains(id + " STOPPED/SHUTDOWN"));
    Domain off = domain(id);
    assertThat(off.state()).isEqualTo(State.SHUTOFF);
    assertThat(off.reason()).isEqualTo(Reason.SHUTDOWN);
    assertThat(off.version()).isGreaterThan(before);

    // And a virsh destroy behind virtflow's back.
    String other = UUID.randomUUID().toString();
    driver.define(other, guest("behind", ""));
    Calls.start(driver, other, false);
    RealLibvirt.virsh("destroy", other);
    await().atMost(Duration.ofSeconds(30)).until(() -> changes.contains(other + " STOPPED/DESTROYED"));
    assertThat(domain(other).reason()).isEqualTo(Reason.DESTROYED);
  }

  @Test
  void badDefinitionsAreRefusedAndLeaveNothingBehind() throws Exception {
    String outside = UUID.randomUUID().toString();
    DomainDefinition escaping = new DomainDefinition("escape", 1, 128, List.of(), false, "alice", "blue",
        new Boot("../../etc/passwd", null, null), List.of());
    assertThatThrownBy(() -> driver.define(outside, escaping)).isInstanceOfSatisfying(HypervisorException.class, e -> {
      assertThat(e.fault()).isEqualTo(Fault.INVALID_ARG);
      assertThat(e.getMessage()).contains("boot.kernel '../../etc/passwd' must name a file inside the host's image directory");
    });

    String missing = UUID.randomUUID().toString();
    DomainDefinition noImage = new DomainDefinition("noimage", 1, 128,
        List.of(new Disk("vda", 1, Disk.QCOW2, null, "nonesuch.qcow2")), false, "alice", "blue", null, List.of());
    assertThatThrownBy(() -> driver.define(missing, noImage)).isInstanceOfSatisfying(HypervisorException.class, e -> {
      assertThat(e.fault()).isEqualTo(Fault.INVALID_ARG);
      assertThat(e.getMessage()).contains("'nonesuch.qcow2' is not in the image directory");
    });

    String refused = UUID.randomUUID().toString();
    // libvirt itself refuses this one (no such network on the host): checked before anything is made.
    DomainDefinition noNetwork = new DomainDefinition("nonet", 1, 128, List.of(new Disk("vda", 1, Disk.QCOW2, null)),
        false, "alice", "blue", null, List.of(new NetInterface("nonesuch", null)));
    assertThatThrownBy(() -> driver.define(refused, noNetwork)).isInstanceOfSatisfying(HypervisorException.class,
        e -> assertThat(e.getMessage()).contains("network 'nonesuch' does not exist"));

    for (String id : List.of(outside, missing, refused)) {
      assertThat(driver.lookup(id)).isEmpty();
    }
    try (var files = Files.list(dataDir.resolve("pool"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(f -> f.startsWith(outside) || f.startsWith(missing) || f.startsWith(refused));
    }
  }

  @Test
  void domainsOfOtherAgentsAndOfNobodyAreLeftAlone() {
    String foreign = "vf-test-foreign-" + UUID.randomUUID().toString().substring(0, 8);
    Path xml = dataDir.resolve(foreign + ".xml");
    try {
      Files.writeString(xml, "<domain type='qemu'><name>" + foreign + "</name><memory unit='MiB'>64</memory>"
          + "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
      RealLibvirt.virsh("define", xml.toString());
      List<Domain> mine = driver.list();
      assertThat(mine).noneMatch(d -> d.name().equals(foreign));
      assertThat(Integer.parseInt(driver.status().facts().get("foreignDomains"))).isGreaterThanOrEqualTo(1);
      assertThat(driver.lookupByName(foreign)).isEmpty();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    } finally {
      RealLibvirt.removeDomainsStartingWith(foreign);
    }
  }

  @Test
  void theHostReportsTheNodeAndTheDomainTypeItProbed() {
    DriverStatus status = driver.status();
    assertThat(status.connected()).isTrue();
    assertThat(status.vcpus()).isPositive();
    assertThat(status.memoryMiB()).isPositive();
    assertThat(status.facts()).containsEntry("uri", RealLibvirt.URI).containsKey("domainType");
    // On these machines /dev/kvm exists but cannot run a guest: TCG.
    assertThat(driver.domainType()).isIn("kvm", "qemu");
    assertThat(dataDir.resolve(DomainTypes.CACHE)).exists();
  }
}
