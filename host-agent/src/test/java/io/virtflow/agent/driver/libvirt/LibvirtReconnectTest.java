package io.virtflow.agent.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.agent.HostAgentConfig;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.driver.Calls;
import io.virtflow.agent.driver.DriverStatus;
import io.virtflow.agent.driver.HypervisorException;
import io.virtflow.agent.driver.Observer;
import io.virtflow.platform.testing.RealLibvirt;

/**
 * The libvirt driver when libvirtd dies and comes back. The system daemon is shared with every other test
 * and must not be touched: this class starts a libvirtd of its own, a non-root session daemon run as the
 * system user {@value PrivateLibvirtd#USER} (made here when missing) with its HOME and XDG_RUNTIME_DIR in a
 * temporary directory, SIGKILLs it and starts it again. The driver, running as root in this JVM, talks to
 * it over its socket: {@code qemu+unix:///session?socket=<XDG_RUNTIME_DIR>/libvirt/libvirt-sock}.
 *
 * <p>No guest boots: shut-off domains are enough to show that calls fail fast while the daemon is gone and
 * work again, by themselves, once it is back.
 */
class LibvirtReconnectTest {
  private static final String NAMESPACE = "r" + UUID.randomUUID().toString().substring(0, 8);
  private static final String HOST = "lvr1";
  /** A dead socket shows at once (EOF); the keepalive (5 s x 3) would notice a hung daemon within ~20 s. */
  private static final Duration NOTICED_WITHIN = Duration.ofSeconds(20);
  /** The backoff is capped at 10 s: one more attempt, and the first (slow) connection of a daemon. */
  private static final Duration RECONNECTED_WITHIN = Duration.ofSeconds(30);

  private static PrivateLibvirtd daemon;
  private static Path dataDir;
  private static LibvirtHypervisor driver;
  /** What the observer heard, in order: "connection true|false: message", "resync" or "resync while disconnected". */
  private static final List<String> heard = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void open() throws Exception {
    Path images = RealLibvirt.images();
    daemon = PrivateLibvirtd.prepare();
    daemon.launch();
    dataDir = daemon.base.resolve("data");
    Files.createDirectories(dataDir);
    // QEMU would run as the daemon's user: it must be able to open the pool's files (none boots here).
    daemon.giveToUser(dataDir);
    HostAgentConfig config = HostAgentConfig.from(Map.of(
        HostAgentConfig.HOST_ID, HOST,
        HostAgentConfig.DATA_DIR, dataDir.toString(),
        HostAgentConfig.DRIVER, "libvirt",
        HostAgentConfig.LIBVIRT_URI, daemon.uri,
        HostAgentConfig.IMAGE_DIR, images.toString(),
        "VIRTFLOW_TOPIC_NAMESPACE", NAMESPACE));
    driver = LibvirtHypervisor.open(config, Clock.systemUTC());
    driver.watch(new Observer() {
      @Override
      public void changed(String domainId, Optional<Event> hint) {
      }

      @Override
      public void resync() {
        // A resync reads everything again: the driver must be usable by then.
        heard.add(driver.status().connected() ? "resync" : "resync while disconnected");
      }

      @Override
      public void connection(DriverStatus status) {
        heard.add("connection " + status.connected() + ": " + status.message());
      }
    });
  }

  @AfterAll
  static void close() {
    try {
      if (daemon != null && daemon.running()) {
        daemon.removeAllDomains();
      }
    } finally {
      try {
        if (driver != null) {
          driver.close();
        }
      } finally {
        if (daemon != null) {
          daemon.stop();
        }
      }
    }
  }

  private static DomainDefinition blank(String name) {
    return new DomainDefinition(name, 1, 128, List.of(new Disk("vda", 1, Disk.QCOW2, null)), false, "alice", "blue",
        null, List.of(NetInterface.user()));
  }

  private static List<Path> poolFilesOf(String domainId) throws IOException {
    Path pool = dataDir.resolve("pool");
    if (!Files.isDirectory(pool)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(pool)) {
      return files.filter(f -> f.getFileName().toString().startsWith(domainId)).toList();
    }
  }

  /** The call fails at once with DRIVER_ERROR naming the daemon as unreachable. */
  private static void failsFastAsUnreachable(String what, ThrowingCallable call) {
    long t = System.nanoTime();
    assertThatThrownBy(call).as(what).isInstanceOfSatisfying(HypervisorException.class, e -> {
      assertThat(e.fault()).as(what).isEqualTo(Fault.DRIVER_ERROR);
      assertThat(e.getMessage()).as(what).contains("libvirt at " + daemon.uri + " is unreachable");
    });
    assertThat(Duration.ofNanos(System.nanoTime() - t)).as(what + " took").isLessThan(Duration.ofSeconds(2));
  }

  /** A copy: a view of the list would fail when the observer adds to it meanwhile. */
  private static List<String> heardSince(int mark) {
    List<String> all = List.copyOf(heard);
    return all.subList(mark, all.size());
  }

  private static String seconds(long fromNanos, long toNanos) {
    return String.format("%.2f s", (toNanos - fromNanos) / 1e9);
  }

  @Test
  void theDriverSurvivesLibvirtdDyingAndComingBack() throws Exception {
    assertThat(driver.status().connected()).as(driver.status().message()).isTrue();
    assertThat(driver.status().message()).isEqualTo("connected to " + daemon.uri);

    String before = UUID.randomUUID().toString();
    Domain defined = driver.define(before, blank("before")).domain();
    assertThat(defined.state()).isEqualTo(State.SHUTOFF);
    assertThat(daemon.virsh("domstate", before).trim()).isEqualTo("shut off");

    // libvirtd dies.
    int mark = heard.size();
    long killed = System.nanoTime();
    daemon.kill();
    await().atMost(NOTICED_WITHIN).pollInterval(Duration.ofMillis(20)).until(() -> !driver.status().connected());
    long noticed = System.nanoTime();
    DriverStatus down = driver.status();
    assertThat(down.message()).startsWith("libvirt at " + daemon.uri + " is unreachable: ");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> heardSince(mark).stream().anyMatch(h -> h.startsWith("connection false: ")));

    // Every call fails at once, and changes nothing.
    String refused = UUID.randomUUID().toString();
    failsFastAsUnreachable("lookup", () -> driver.lookup(before));
    failsFastAsUnreachable("lookupByName", () -> driver.lookupByName("before"));
    failsFastAsUnreachable("list", () -> driver.list());
    failsFastAsUnreachable("define", () -> driver.define(refused, blank("refused")));
    failsFastAsUnreachable("undefine", () -> Calls.undefine(driver, before, false, true));
    assertThat(poolFilesOf(refused)).as("pool files of the refused define").isEmpty();
    assertThat(poolFilesOf(before)).as("pool files of the domain defined before").isNotEmpty();

    // libvirtd comes back: the driver reconnects by itself and asks for a resync.
    int downMark = heard.size();
    long restarted = System.nanoTime();
    daemon.restart();
    long answering = System.nanoTime();
    await().atMost(RECONNECTED_WITHIN).pollInterval(Duration.ofMillis(20)).until(() -> driver.status().connected());
    long reconnected = System.nanoTime();
    assertThat(driver.status().message()).isEqualTo("connected to " + daemon.uri);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      List<String> since = heardSince(downMark);
      // (Where this fails with "connection false: ... cannot connect" followed by "resync while disconnected",
      // the observer was called before the new connection was in place: LibvirtConnection.connectOnce() sets
      // it only after Listener.connected() returned, and LibvirtHypervisor.listen() queues the callbacks there.)
      int connectedAt = since.indexOf("connection true: connected to " + daemon.uri);
      assertThat(connectedAt).as("a connection(connected) after the restart, in %s", since).isNotNegative();
      assertThat(since.subList(connectedAt, since.size())).as("a resync after it, with the driver connected, in %s",
          since).contains("resync");
    });
    System.out.printf("LibvirtReconnectTest: SIGKILL noticed after %s; daemon restarted (answering after %s), "
        + "driver reconnected %s after the restart began (%s after the kill); observer heard %s%n",
        seconds(killed, noticed), seconds(restarted, answering), seconds(restarted, reconnected),
        seconds(killed, reconnected), heardSince(mark));

    // What was there is still there, unchanged; what was refused never happened.
    Domain again = driver.lookup(before).orElseThrow();
    assertThat(again.version()).isEqualTo(defined.version());
    assertThat(again.state()).isEqualTo(State.SHUTOFF);
    assertThat(driver.lookup(refused)).isEmpty();
    assertThat(driver.lookupByName("refused")).isEmpty();
    assertThat(daemon.virsh("list", "--all", "--uuid")).contains(before).doesNotContain(refused);

    // And new calls work.
    String after = UUID.randomUUID().toString();
    assertThat(driver.define(after, blank("after")).domain().state()).isEqualTo(State.SHUTOFF);
    assertThat(driver.list()).extracting(Domain::name).containsExactly("after", "before");
    Calls.undefine(driver, before, false, true);
    Calls.undefine(driver, after, false, true);
    assertThat(driver.list()).isEmpty();
    assertThat(poolFilesOf(before)).isEmpty();
    assertThat(poolFilesOf(after)).isEmpty();
    assertThat(daemon.virsh("list", "--all", "--uuid")).doesNotContain(before).doesNotContain(after);
  }

  /**
   * A libvirtd of this test's own: a session daemon run as {@value #USER}, in the foreground as a child of
   * this JVM (so that its pid is known, a SIGKILL leaves no zombie, and nobody else's daemon is touched).
   * Needs root (CI runs as root): without it the class is skipped, unless {@link RealLibvirt#REQUIRE} says
   * libvirt must be tested; every other reason it cannot start is a failure.
   */
  static final class PrivateLibvirtd {
    static final String USER = "vftest";
    private static final Path LIBVIRTD = Path.of("/usr/sbin/libvirtd");

    final Path base;
    final Path home;
    final Path runtime;
    final Path socket;
    final Path log;
    final String uri;
    private Process process;
    private final Thread reaper = new Thread(this::stop, "vf-private-libvirtd-reaper");

    private PrivateLibvirtd(Path base) {
      this.base = base;
      this.home = base.resolve("home");
      this.runtime = base.resolve("run");
      this.socket = runtime.resolve("libvirt").resolve("libvirt-sock");
      this.log = base.resolve("libvirtd.log");
      this.uri = "qemu+unix:///session?socket=" + socket;
    }

    /** The user and the directories; {@link #launch} starts it. */
    static PrivateLibvirtd prepare() throws IOException {
      if (!"0".equals(output(List.of("id", "-u")).trim())) {
        String why = "a private libvirtd for " + LibvirtReconnectTest.class.getSimpleName()
            + " needs root (to run it as user " + USER + ")";
        if ("1".equals(System.getenv(RealLibvirt.REQUIRE))) {
          Assertions.fail(why + ", and " + RealLibvirt.REQUIRE + "=1 requires it");
        }
        Assumptions.abort(why + ": skipped");
      }
      if (!Files.isExecutable(LIBVIRTD)) {
        Assertions.fail(LIBVIRTD + " is missing: install libvirt-daemon (devstack/libvirt-setup.sh does)");
      }
      ensureUser();
      Path base = Files.createTempDirectory("vf-libvirtd-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      PrivateLibvirtd d = new PrivateLibvirtd(base);
      Files.createDirectories(d.home);
      Files.createDirectories(d.runtime,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      d.giveToUser(d.home);
      d.giveToUser(d.runtime);
      Runtime.getRuntime().addShutdownHook(d.reaper);
      return d;
    }

    /** The system user the daemon runs as: made when missing (several JVMs may race to make it). */
    private static void ensureUser() throws IOException {
      if (run(List.of("getent", "passwd", USER)).exit() == 0) {
        return;
      }
      RealLibvirt.Result made = run(List.of("useradd", "--system", "--create-home", "--home-dir", "/var/lib/" + USER,
          "--shell", "/usr/sbin/nologin", USER));
      if (run(List.of("getent", "passwd", USER)).exit() != 0) {
        Assertions.fail("cannot create the system user " + USER + " for a private libvirtd: useradd said "
            + made.output());
      }
    }

    /** chown -R to the daemon's user. */
    void giveToUser(Path dir) throws IOException {
      UserPrincipalLookupService names = dir.getFileSystem().getUserPrincipalLookupService();
      UserPrincipal user = names.lookupPrincipalByName(USER);
      GroupPrincipal group = names.lookupPrincipalByGroupName(USER);
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.toList()) {
          PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
          view.setOwner(user);
          view.setGroup(group);
        }
      }
    }

    /** Starts the daemon and waits until it answers. */
    void launch() throws IOException {
      // No --timeout: a session daemon started by hand stays up until it is killed.
      List<String> command = List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups",
          "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + home, "XDG_RUNTIME_DIR=" + runtime,
          LIBVIRTD.toString());
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      try {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
          if (!process.isAlive()) {
            Assertions.fail("the private libvirtd (" + String.join(" ", command) + ") exited with "
                + process.exitValue() + ": " + logTail());
          }
          return run(List.of("virsh", "-c", uri, "list", "--all", "--name")).exit() == 0;
        });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("the private libvirtd at " + uri + " does not answer after 30 s: " + logTail(), e);
      }
      Path pidFile = runtime.resolve("libvirt").resolve("libvirtd.pid");
      assertThat(Files.readString(pidFile).trim()).as("the pid libvirtd wrote in " + pidFile)
          .isEqualTo(Long.toString(process.pid()));
    }

    boolean running() {
      return process != null && process.isAlive();
    }

    /** SIGKILL, and wait until it is gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("libvirtd pid " + process.pid() + " gone").isTrue();
      assertThat(process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    }

    /** Started again on the same HOME and runtime directory: the same daemon, the same domains. */
    void restart() throws IOException {
      launch();
    }

    /** Every domain of this daemon destroyed and undefined (it is this test's alone). */
    void removeAllDomains() {
      for (String id : virsh("list", "--all", "--uuid").split("\n")) {
        if (!id.isBlank()) {
          run(List.of("virsh", "-c", uri, "destroy", id.trim()));
          run(List.of("virsh", "-c", uri, "undefine", id.trim(), "--snapshots-metadata"));
        }
      }
    }

    void stop() {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException e) {
        // Already shutting down: this is the hook.
        return;
      }
      deleteTree(base);
    }

    /** {@code virsh -c <this daemon> args...}, which must succeed; its output. */
    String virsh(String... args) {
      List<String> cmd = new ArrayList<>(List.of("virsh", "-c", uri));
      cmd.addAll(List.of(args));
      RealLibvirt.Result r = run(cmd);
      if (r.exit() != 0) {
        throw new AssertionError(String.join(" ", cmd) + " failed: " + r.output());
      }
      return r.output();
    }

    private String logTail() {
      try {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        return lines.isEmpty() ? "(no output in " + log + ")"
            : String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
      } catch (IOException e) {
        return "(cannot read " + log + ": " + e + ")";
      }
    }

    private static void deleteTree(Path dir) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        System.err.println("LibvirtReconnectTest: cannot remove " + dir + ": " + e);
      }
    }

    private static RealLibvirt.Result run(List<String> command) {
      try {
        return RealLibvirt.run(command, Duration.ofSeconds(60));
      } catch (IOException e) {
        throw new AssertionError(String.join(" ", command) + ": " + e.getMessage(), e);
      }
    }

    private static String output(List<String> command) {
      return run(command).output();
    }
  }
}
