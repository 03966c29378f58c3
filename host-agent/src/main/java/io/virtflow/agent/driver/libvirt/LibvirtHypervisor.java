package io.virtflow.agent.driver.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.libvirt.Connect;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.NodeInfo;
import org.libvirt.event.AgentLifecycleListener;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.LifecycleListener;
import org.libvirt.event.RebootListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.agent.HostAgentConfig;
import io.virtflow.agent.disk.Pool;
import io.virtflow.agent.disk.QemuImg;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.DiskReport;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.DomainSteps;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;
import io.virtflow.agent.driver.Change;
import io.virtflow.agent.driver.ConsoleLog;
import io.virtflow.agent.driver.DriverStatus;
import io.virtflow.agent.driver.Hypervisor;
import io.virtflow.agent.driver.HypervisorException;
import io.virtflow.agent.driver.ImageSteps;
import io.virtflow.agent.driver.Observer;
import io.virtflow.agent.driver.StepResult;

/**
 * The {@code libvirt} driver: real QEMU guests through libvirt's Java binding.
 *
 * <p>The libvirt domain's UUID is virtflow's domain id; its libvirt name is {@code vf+<namespace>+<host>+<name>}
 * so that several namespaces and hosts can share one daemon. An agent manages only the domains whose
 * {@code <metadata>} ({@link DomainXml}) names its namespace and host; every other domain on the daemon is
 * left alone and counted ({@code foreignDomains} in the host's status). The metadata also keeps the
 * domain's version and the state it was written with: a domain found in another state changed without
 * virtflow, and its version grows (persistently, so a change made while the agent was down is found too).
 *
 * <p>Disks are qcow2 files in the host's pool, made with {@code qemu-img} (an overlay on a base image of the
 * image directory when the definition names one); snapshot steps on a stopped domain run there
 * ({@link ImageSteps}) and libvirt's definition follows the active file. On a running domain QEMU holds
 * the chain: a new overlay becomes active through libvirt's disk-only external snapshot, the active file is
 * rebased by a block pull (a libvirt block job, {@link BlockJobs}), and every other step that would write a
 * held file is refused before it is touched.
 *
 * <p>Blocking; one call per domain at a time (the agent's line guarantees it). libvirt's events reach the
 * observer from a thread of this driver's, never from libvirt's event loop.
 */
public final class LibvirtHypervisor implements Hypervisor {
  public static final String NAME = "libvirt";
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtHypervisor.class);
  private static final int START_PAUSED = 1;
  /** VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA. */
  private static final int UNDEFINE_FLAGS = 1 | 2;
  private static final int METADATA_ELEMENT = 2;
  private static final int AFFECT_LIVE = 1;
  private static final int AFFECT_CONFIG = 2;
  private static final int XML_INACTIVE = 2;
  private static final long POLL_MS = 100;
  /** VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | DISK_ONLY | REUSE_EXT | ATOMIC: the catalog stays virtflow's. */
  private static final int LIVE_DISK_ONLY = 4 | 16 | 32 | 128;

  private final String hostId;
  private final String namespace;
  private final Path imageDir;
  private final Path consoleDir;
  private final Pool pool;
  private final ImageSteps images;
  private final String domainType;
  private final Duration shutdownTimeout;
  private final BlockJobs blockJobs;
  private final long blockJobBandwidthMiB;
  private final Clock clock;
  private final LibvirtConnection connection;
  /** Hands libvirt's callbacks over to a thread that may call libvirt (the event loop must not). */
  private final ExecutorService feed;
  private final Set<String> ours = ConcurrentHashMap.newKeySet();
  /** Per domain: notified on every event of it, so that waits wake at once. */
  private final Map<String, Object> signals = new ConcurrentHashMap<>();
  /** Per domain: reboots seen (libvirt's reboot event). */
  private final Map<String, AtomicLong> reboots = new ConcurrentHashMap<>();
  /** Shutdowns waiting for their guest, by domain: the reason a destroy gave to end the wait. */
  private final Map<String, String[]> shutdownWaits = new ConcurrentHashMap<>();
  private volatile Observer observer;
  private volatile NodeInfo node;
  private volatile int foreignDomains;

  private LibvirtHypervisor(HostAgentConfig config, Pool pool, QemuImg qemu, String domainType, Clock clock) {
    this.hostId = config.hostId();
    this.namespace = config.namespace();
    this.imageDir = config.libvirt().imageDir().toAbsolutePath().normalize();
    this.consoleDir = config.dataDir().resolve("console").toAbsolutePath();
    this.pool = pool;
    this.images = new ImageSteps(pool, qemu);
    this.domainType = domainType;
    this.shutdownTimeout = config.shutdownTimeout();
    this.blockJobs = new BlockJobs(config.libvirt().blockJobTimeout(), clock);
    this.blockJobBandwidthMiB = config.libvirt().blockJobBandwidthMiB();
    this.clock = clock;
    this.feed = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "virtflow-libvirt-feed-" + config.hostId());
      t.setDaemon(true);
      return t;
    });
    this.connection = new LibvirtConnection(config.libvirt().uri(), config.hostId(), new LibvirtConnection.Listener() {
      @Override
      public void connected(Connect c) throws LibvirtException {
        listen(c);
      }

      @Override
      public void ready(Connect c) {
        feed.execute(() -> {
          Observer o = observer;
          if (o != null) {
            o.connection(status());
            // Whatever happened while there was no connection: read everything again.
            o.resync();
          }
        });
      }

      @Override
      public void closing(Connect c) {
        unlisten(c);
      }

      @Override
      public void lost(String why) {
        feed.execute(() -> {
          Observer o = observer;
          if (o != null) {
            o.connection(status());
          }
        });
      }
    });
  }

  /** Opens the driver: the pool, qemu-img, the domain type, and the connection (or its first retry). Blocking. */
  public static LibvirtHypervisor open(HostAgentConfig config, Clock clock) throws IOException {
    QemuImg qemu = QemuImg.open(config.qemuImg(), config.qemuTimeout());
    try {
      Pool pool = Pool.open(config.dataDir().resolve("pool"));
      Files.createDirectories(config.libvirt().imageDir());
      Files.createDirectories(config.dataDir().resolve("console"));
      String type = DomainTypes.decide(config.libvirt().domainType(), config.dataDir());
      LibvirtHypervisor driver = new LibvirtHypervisor(config, pool, qemu, type, clock);
      driver.connection.open();
      LOG.info("{}: libvirt driver on {} ({}), domain type {}, images in {}", config.hostId(),
          config.libvirt().uri(), driver.connection.connected() ? "connected" : driver.connection.downBecause(), type,
          driver.imageDir);
      return driver;
    } catch (IOException | RuntimeException e) {
      qemu.close();
      throw e;
    }
  }

  @Override
  public String driverName() {
    return NAME;
  }

  @Override
  public boolean holdsFilesWhileActive() {
    return true;
  }

  // ---- the change feed ---------------------------------------------------------------------------

  /** The listeners on one connection, kept to take them off again before it closes. */
  private record Listeners(LifecycleListener lifecycle, RebootListener reboot, AgentLifecycleListener agent) {
  }

  private final Map<Connect, Listeners> listening = new ConcurrentHashMap<>();

  private void listen(Connect c) throws LibvirtException {
    Listeners l = new Listeners((dom, event) -> {
      lifecycle(dom, event);
      return 0;
    }, dom -> {
      String id = uuidOf(dom);
      if (id != null) {
        reboots.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
        wake(id);
        feed.execute(() -> report(id, Optional.empty()));
      }
    }, (dom, state, reason) -> {
      String id = uuidOf(dom);
      if (id != null) {
        feed.execute(() -> report(id, Optional.empty()));
      }
    });
    listening.put(c, l);
    c.addLifecycleListener(l.lifecycle());
    c.addRebootListener(l.reboot());
    c.addAgentLifecycleListener(l.agent());
    node = c.nodeInfo();
  }

  private void unlisten(Connect c) {
    Listeners l = listening.remove(c);
    if (l == null) {
      return;
    }
    try {
      c.removeLifecycleListener(l.lifecycle());
      c.removeAgentLifecycleListener(l.agent());
    } catch (LibvirtException | RuntimeException e) {
      LOG.debug("{}: removing libvirt listeners: {}", hostId, e.toString());
    }
  }

  /** On libvirt's event-loop thread: note, wake the waits, hand the rest over. Never blocks. */
  private void lifecycle(org.libvirt.Domain dom, DomainEvent event) {
    String id = uuidOf(dom);
    if (id == null) {
      return;
    }
    Optional<Event> hint;
    try {
      hint = LibvirtStates.event(event.getType().name(), ((Enum<?>) event.getDetail()).name());
    } catch (RuntimeException e) {
      hint = Optional.empty();
    }
    wake(id);
    Optional<Event> reported = hint;
    feed.execute(() -> report(id, reported));
  }

  private static String uuidOf(org.libvirt.Domain dom) {
    try {
      return dom.getUUIDString();
    } catch (LibvirtException | RuntimeException e) {
      return null;
    }
  }

  private void report(String id, Optional<Event> hint) {
    Observer o = observer;
    if (o == null) {
      return;
    }
    if (!ours.contains(id)) {
      // A domain this driver has not seen yet (defined behind its back?): ours only if its metadata says so.
      try {
        if (lookup(id).isEmpty()) {
          return;
        }
      } catch (RuntimeException e) {
        return;
      }
    }
    o.changed(id, hint);
  }

  private void wake(String id) {
    Object signal = signals.computeIfAbsent(id, k -> new Object());
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  @Override
  public void watch(Observer newObserver) {
    observer = newObserver;
  }

  @Override
  public DriverStatus status() {
    NodeInfo n = node;
    Map<String, String> facts = Map.of("uri", connection.uri(), "domainType", domainType,
        "foreignDomains", Integer.toString(foreignDomains), "imageDir", imageDir.toString());
    String message = connection.connected() ? "connected to " + connection.uri()
        : "libvirt at " + connection.uri() + " is unreachable: " + connection.downBecause();
    return new DriverStatus(connection.connected(), message, facts, n == null ? 0 : n.cpus,
        n == null ? 0 : n.memory / 1024, DriverStatus.imagesIn(imageDir));
  }

  // ---- define ------------------------------------------------------------------------------------

  @Override
  public Change define(String domainId, DomainDefinition definition) {
    if (!Domain.isValidId(domainId)) {
      throw HypervisorException.rejected(Fault.INVALID_ARG, "domain id '" + domainId + "' is not a UUID");
    }
    List<String> problems = new ArrayList<>(definition.problems());
    List<Disk> placed = new ArrayList<>();
    for (Disk disk : definition.disks()) {
      Path file = pool.baseImage(domainId, disk.target());
      if (disk.path() != null && !Path.of(disk.path()).toAbsolutePath().normalize().equals(file)) {
        problems.add("disk " + disk.target() + ": path '" + disk.path() + "' is not for the client to choose: "
            + "images live in the host's pool as " + file);
      }
      if (!disk.target().startsWith("vd") && !disk.target().startsWith("sd") && !disk.target().startsWith("hd")) {
        problems.add("disk " + disk.target() + ": only vd*, sd* and hd* targets exist under QEMU");
      }
      if (disk.image() != null) {
        imageProblem("disk " + disk.target() + ": image", disk.image()).ifPresent(problems::add);
      }
      placed.add(disk.placedAt(file.toString()));
    }
    if (definition.boot() != null && definition.boot().problems().isEmpty()) {
      imageProblem("boot.kernel", definition.boot().kernel()).ifPresent(problems::add);
      if (definition.boot().initrd() != null) {
        imageProblem("boot.initrd", definition.boot().initrd()).ifPresent(problems::add);
      }
    }
    Connect c = connection.get();
    for (NetInterface nic : definition.interfaces()) {
      if (!nic.userMode() && !hasNetwork(c, nic.network())) {
        problems.add("network '" + nic.network() + "' does not exist on host " + hostId);
      }
    }
    if (!problems.isEmpty()) {
      throw HypervisorException.rejected(Fault.INVALID_ARG, "invalid definition of domain '" + definition.name()
          + "': " + String.join("; ", problems));
    }
    String libvirtName = libvirtName(definition.name());
    if (exists(c, () -> c.domainLookupByName(libvirtName)) || exists(c, () -> c.domainLookupByUUIDString(domainId))) {
      throw new HypervisorException(Fault.OPERATION_INVALID, "domain '" + definition.name() + "' already exists",
          Optional.of(State.SHUTOFF));
    }
    List<NetInterface> nics = NetInterface.withMacs(domainId, definition.interfaces());
    DomainXml.Meta meta = new DomainXml.Meta(namespace, hostId, definition.name(), 1, State.SHUTOFF, Reason.UNKNOWN,
        definition.principal(), definition.project(), definition.guestAgent(), placed);
    String xml = DomainXml.domain(new DomainXml.Spec(domainId, libvirtName, domainType, definition.vcpus(),
        definition.memoryMiB(), definition.boot() == null ? null : inImages(definition.boot().kernel()),
        definition.boot() == null || definition.boot().initrd() == null ? null : inImages(definition.boot().initrd()),
        definition.boot() == null ? null : definition.boot().cmdline(), placed, nics, definition.guestAgent(),
        consoleLog(domainId), meta));
    // Files first, then the definition: a refusal by libvirt takes the files back, and leaves nothing behind.
    images.createBaseImages(domainId, placed, imageDir);
    try {
      c.domainDefineXML(xml).free();
    } catch (LibvirtException e) {
      removeFiles(domainId);
      throw connection.failure("libvirt refused the definition of domain '" + definition.name() + "'", e, c);
    }
    ours.add(domainId);
    Domain defined = lookup(domainId).orElseThrow(() -> new HypervisorException(Fault.DRIVER_ERROR,
        "domain '" + definition.name() + "' was defined but cannot be read back"));
    return new Change(defined, false, List.of(new Event(Event.Type.DEFINED, Event.Detail.ADDED, State.SHUTOFF,
        Reason.UNKNOWN)));
  }

  private Optional<String> imageProblem(String field, String name) {
    Path file = inImages(name);
    if (!file.startsWith(imageDir)) {
      return Optional.of(field + " '" + name + "' leaves the image directory");
    }
    if (!Files.isRegularFile(file)) {
      return Optional.of(field + " '" + name + "' is not in the image directory " + imageDir + " of host " + hostId);
    }
    return Optional.empty();
  }

  private Path inImages(String name) {
    return imageDir.resolve(name).toAbsolutePath().normalize();
  }

  private Path consoleLog(String domainId) {
    return consoleDir.resolve(domainId + ".log");
  }

  @Override
  public String console(String domainId, int tailLines) {
    if (lookup(domainId).isEmpty()) {
      throw HypervisorException.rejected(Fault.NO_DOMAIN, "no domain " + domainId + " on this host");
    }
    return ConsoleLog.tail(consoleLog(domainId), tailLines);
  }

  /** The domain's serial console log, as the guest wrote it (for operators). */
  public Path consoleLogOf(String domainId) {
    return consoleLog(domainId);
  }

  private static boolean hasNetwork(Connect c, String name) {
    try {
      c.networkLookupByName(name).free();
      return true;
    } catch (LibvirtException e) {
      return false;
    }
  }

  private interface Call<T> {
    T call() throws LibvirtException;
  }

  private boolean exists(Connect c, Call<org.libvirt.Domain> find) {
    try {
      find.call().free();
      return true;
    } catch (LibvirtException e) {
      if (code(e) == Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
        return false;
      }
      throw connection.failure("libvirt lookup", e, c);
    }
  }

  /** The libvirt name: unique on a daemon that several namespaces and hosts share. */
  String libvirtName(String name) {
    return "vf+" + namespace + "+" + hostId + "+" + name;
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  @Override
  public Change carryOut(Domain before, Request request, Transition.Accepted decided) {
    Operation op = request.operation();
    if (op == Operation.DEFINE) {
      throw new IllegalArgumentException("define takes a definition: call define()");
    }
    Connect c = connection.get();
    org.libvirt.Domain dom = find(c, before.id(), before.name(), op);
    try {
      Domain now = read(c, dom).orElseThrow(() -> HypervisorException.rejected(Fault.NO_DOMAIN, "cannot "
          + op.verb() + " domain '" + before.name() + "': no such domain on this host"));
      if (now.version() != before.version()) {
        throw new HypervisorException(Fault.OPERATION_INVALID, "cannot " + op.verb() + " domain '" + now.name()
            + "': it changed meanwhile and is now " + now.state().description(), Optional.of(now.state()));
      }
      long version = before.version() + 1;
      switch (op) {
        case START -> dom.create(request.paused() ? START_PAUSED : 0);
        case SHUTDOWN -> shutdown(c, dom, before);
        case REBOOT -> {
          // Counted before it is asked for: a reboot cut off by an agent crash is not run a second time.
          writeMeta(c, dom, now, version, now.state(), now.reason());
          reboot(dom, before);
        }
        case DESTROY -> dom.destroy();
        case SUSPEND -> dom.suspend();
        case RESUME -> dom.resume();
        case UNDEFINE -> {
          if (dom.isActive() == 1) {
            dom.destroy();
          }
          dom.undefine(UNDEFINE_FLAGS);
          ours.remove(before.id());
          if (request.removeStorage()) {
            removeFiles(before.id());
          }
          return new Change(before.after(decided, now()), true, decided.events());
        }
        default -> throw new IllegalArgumentException("no call for " + op);
      }
      Domain after = read(c, dom).orElseThrow(() -> new HypervisorException(Fault.DRIVER_ERROR, "domain '"
          + before.name() + "' vanished during " + op.verb()));
      if (after.version() < version || op != Operation.REBOOT) {
        after = writeMeta(c, dom, after, Math.max(version, after.version()), after.state(), after.reason());
      }
      return new Change(after, false, decided.events());
    } catch (LibvirtException e) {
      throw connection.failure("cannot " + op.verb() + " domain '" + before.name() + "'", e, c);
    } finally {
      free(dom);
    }
  }

  private void shutdown(Connect c, org.libvirt.Domain dom, Domain before) throws LibvirtException {
    String[] cut = new String[1];
    shutdownWaits.put(before.id(), cut);
    try {
      dom.shutdown();
      Optional<Domain> ended = waitFor(c, dom, before.id(), d -> !d.state().isActive(), shutdownTimeout,
          () -> cut[0] != null);
      if (cut[0] != null) {
        throw HypervisorException.failed(Fault.OPERATION_INVALID, "shutdown of domain '" + before.name()
            + "' cut short: " + cut[0] + "; the guest had not shut down");
      }
      if (ended.isEmpty()) {
        throw HypervisorException.guestTimeout("the guest of domain '" + before.name() + "' did not shut down within "
            + shutdownTimeout.toMillis() + " ms of the request; it is still running");
      }
      if (ended.get().reason() != Reason.SHUTDOWN) {
        throw HypervisorException.failed(Fault.OPERATION_INVALID, "domain '" + before.name() + "' stopped ("
            + ended.get().reason() + ") before its guest shut down");
      }
    } finally {
      shutdownWaits.remove(before.id());
    }
  }

  private void reboot(org.libvirt.Domain dom, Domain before) throws LibvirtException {
    AtomicLong seen = reboots.computeIfAbsent(before.id(), k -> new AtomicLong());
    long was = seen.get();
    dom.reboot(0);
    long deadline = System.nanoTime() + shutdownTimeout.toNanos();
    Object signal = signals.computeIfAbsent(before.id(), k -> new Object());
    while (seen.get() == was) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw HypervisorException.guestTimeout("the guest of domain '" + before.name() + "' did not reboot within "
            + shutdownTimeout.toMillis() + " ms of the request");
      }
      pause(signal, Math.min(left, POLL_MS));
    }
  }

  /** Waits until the domain is as {@code done} says, or {@code timeout}, or {@code cut}; empty on time-out or cut. */
  private Optional<Domain> waitFor(Connect c, org.libvirt.Domain dom, String id, Predicate<Domain> done,
      Duration timeout, java.util.function.BooleanSupplier cut) throws LibvirtException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object signal = signals.computeIfAbsent(id, k -> new Object());
    while (true) {
      if (cut.getAsBoolean()) {
        return Optional.empty();
      }
      Optional<Domain> d = readWithoutBump(dom);
      if (d.isPresent() && done.test(d.get())) {
        return d;
      }
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return Optional.empty();
      }
      pause(signal, Math.min(left, POLL_MS));
    }
  }

  private static void pause(Object signal, long ms) {
    synchronized (signal) {
      try {
        signal.wait(Math.max(1, ms));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HypervisorException(Fault.DRIVER_ERROR, "interrupted while waiting for the guest");
      }
    }
  }

  @Override
  public void cutShort(String domainId, String why) {
    String[] wait = shutdownWaits.get(domainId);
    if (wait != null) {
      wait[0] = why;
      wake(domainId);
    }
  }

  // ---- reading -----------------------------------------------------------------------------------

  @Override
  public Optional<Domain> lookup(String domainId) {
    if (!Domain.isValidId(domainId)) {
      return Optional.empty();
    }
    Connect c = connection.get();
    org.libvirt.Domain dom;
    try {
      dom = c.domainLookupByUUIDString(domainId);
    } catch (LibvirtException e) {
      if (code(e) == Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
        ours.remove(domainId);
        return Optional.empty();
      }
      throw connection.failure("cannot look up domain " + domainId, e, c);
    }
    try {
      return read(c, dom);
    } catch (LibvirtException e) {
      if (code(e) == Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
        return Optional.empty();
      }
      throw connection.failure("cannot read domain " + domainId, e, c);
    } finally {
      free(dom);
    }
  }

  @Override
  public Optional<Domain> lookupByName(String name) {
    Connect c = connection.get();
    try {
      org.libvirt.Domain dom = c.domainLookupByName(libvirtName(name));
      try {
        return read(c, dom);
      } finally {
        free(dom);
      }
    } catch (LibvirtException e) {
      if (code(e) == Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
        return Optional.empty();
      }
      throw connection.failure("cannot look up domain '" + name + "'", e, c);
    }
  }

  @Override
  public List<Domain> list() {
    Connect c = connection.get();
    org.libvirt.Domain[] all;
    try {
      all = c.listAllDomains(0);
    } catch (LibvirtException e) {
      throw connection.failure("cannot list the domains", e, c);
    }
    List<Domain> out = new ArrayList<>();
    int foreign = 0;
    for (org.libvirt.Domain dom : all) {
      try {
        Optional<Domain> d = read(c, dom);
        if (d.isPresent()) {
          out.add(d.get());
        } else {
          foreign++;
        }
      } catch (LibvirtException e) {
        // Gone between the list and the read: not a domain any more.
        if (code(e) != Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
          throw connection.failure("cannot read a domain", e, c);
        }
      } finally {
        free(dom);
      }
    }
    foreignDomains = foreign;
    out.sort(Comparator.comparing(Domain::name));
    return out;
  }

  /**
   * The domain as virtflow sees it, or empty when it is not this agent's. A state other than the one its
   * version was written with is a change nobody reported: the version grows, in the domain itself.
   */
  private Optional<Domain> read(Connect c, org.libvirt.Domain dom) throws LibvirtException {
    Optional<Domain> seen = readWithoutBump(dom);
    if (seen.isEmpty()) {
      return seen;
    }
    Domain d = seen.get();
    DomainXml.Meta meta = metaOf(dom);
    if (meta != null && (meta.state() != d.state() || meta.reason() != d.reason())) {
      d = writeMeta(c, dom, d, meta.version() + 1, d.state(), d.reason());
    }
    return Optional.of(d);
  }

  private Optional<Domain> readWithoutBump(org.libvirt.Domain dom) throws LibvirtException {
    DomainXml.Parsed x = DomainXml.parse(dom.getXMLDesc(0), imageDir);
    if (x.meta() == null || !namespace.equals(x.meta().namespace()) || !hostId.equals(x.meta().hostId())) {
      return Optional.empty();
    }
    ours.add(x.uuid());
    NativeCalls.StateAndReason sr = NativeCalls.state(dom);
    State state = LibvirtStates.state(sr.state());
    Reason reason = LibvirtStates.reason(state, sr.reason());
    DomainXml.Meta m = x.meta();
    return Optional.of(new Domain(x.uuid(), m.name(), state, reason, x.vcpus(), x.memoryMiB(), x.disks(),
        m.guestAgent(), false, m.version(), m.principal(), now(), m.project(), x.boot(), x.interfaces(),
        x.agentConnected()));
  }

  private DomainXml.Meta metaOf(org.libvirt.Domain dom) throws LibvirtException {
    return DomainXml.parse(dom.getXMLDesc(0), imageDir).meta();
  }

  /** Writes the version and the state it goes with into the domain (live and persistent definitions). */
  private Domain writeMeta(Connect c, org.libvirt.Domain dom, Domain d, long version, State state, Reason reason)
      throws LibvirtException {
    DomainXml.Meta meta = metaOf(dom);
    if (meta == null) {
      return d;
    }
    DomainXml.Meta next = meta.withVersion(version, state, reason);
    int flags = dom.isActive() == 1 ? AFFECT_LIVE | AFFECT_CONFIG : AFFECT_CONFIG;
    dom.setMetadata(METADATA_ELEMENT, DomainXml.metadata(next, false), DomainXml.PREFIX, DomainXml.NS, flags);
    return new Domain(d.id(), d.name(), state, reason, d.vcpus(), d.memoryMiB(), d.disks(), d.guestAgent(), false,
        version, d.principal(), d.updatedAt(), d.project(), d.boot(), d.interfaces(), d.agentConnected());
  }

  private org.libvirt.Domain find(Connect c, String id, String name, Operation op) {
    try {
      return c.domainLookupByUUIDString(id);
    } catch (LibvirtException e) {
      if (code(e) == Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
        throw HypervisorException.rejected(Fault.NO_DOMAIN, "cannot " + op.verb() + " domain '" + name
            + "': no such domain on this host");
      }
      throw connection.failure("cannot look up domain '" + name + "'", e, c);
    }
  }

  // ---- snapshot steps ----------------------------------------------------------------------------

  @Override
  public StepResult runStep(String domainId, DiskStep step) {
    Domain d = lookup(domainId).orElseThrow(() -> HypervisorException.rejected(Fault.NO_DOMAIN, "cannot run "
        + step.kind() + " on domain '" + domainId + "': no such domain on this host"));
    List<String> problems = step.problems();
    if (!problems.isEmpty()) {
      throw HypervisorException.rejected(Fault.INVALID_ARG, "invalid step " + step.kind() + ": "
          + String.join("; ", problems));
    }
    if (d.state().isActive()) {
      return liveStep(d, step);
    }
    return switch (step.kind()) {
      case SET_ACTIVE -> setActive(d, step);
      case STOP_DOMAIN, START_DOMAIN, FREEZE, THAW -> domainStep(d, step);
      default -> new StepResult(d, false, List.of(), images.run(d, step));
    };
  }

  /**
   * A step on a running (or paused) domain. QEMU holds every file of the running chain: a step may read
   * them (an overlay on the active file, a copy of a frozen one) but not write them. A new overlay becomes
   * active through libvirt's disk-only external snapshot onto it (the guest runs on, its writes go there from
   * that instant); the active file is rebased onto a file further down its chain by a block pull (QEMU copies
   * what lies between into it, the guest runs on); the domain is stopped (destroyed: a forced revert discards
   * the running state) and started as the plan says. Everything else that would write a held file is refused
   * before it is touched (the snapshot service's plans never ask for it: docs/SNAPSHOT-RULES.md).
   */
  private StepResult liveStep(Domain d, DiskStep step) {
    return switch (step.kind()) {
      case SET_ACTIVE -> liveSetActive(d, step);
      case STOP_DOMAIN, START_DOMAIN -> domainStep(d, step);
      case FREEZE, THAW -> throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "quiesce (" + step.kind()
          + ") of domain '" + d.name() + "' is not supported by the libvirt driver yet; take the snapshot without "
          + "quiesce");
      case CREATE_INTERNAL -> throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "cannot take an internal "
          + "snapshot of domain '" + d.name() + "' while it is " + d.state().description() + ": QEMU 7.2 takes no "
          + "disk-only internal snapshot of a running guest, and snapshots with memory are not supported yet");
      case CREATE_OVERLAY, COPY_FILE -> new StepResult(d, false, List.of(), images.run(d, step));
      case REBASE -> liveRebase(d, step);
      default -> {
        Path file = images.confine(d.id(), step.file());
        if (images.openByGuest(d).contains(file)) {
          throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "cannot run " + step.kind() + " on " + file
              + ": domain '" + d.name() + "' is " + d.state().description() + " and holds it; merging the files of "
              + "a running libvirt domain is not supported yet, shut it down first");
        }
        yield new StepResult(d, false, List.of(), images.run(d, step));
      }
    };
  }

  /**
   * A rebase on a running guest. Of the active file: a block pull down to the new backing file (which must be
   * in the file's chain now: a pull only drops files from it), followed to its end by the block-job events.
   * Of a file outside every running chain: the offline step. Of a held file below the active one: refused.
   */
  private StepResult liveRebase(Domain d, DiskStep step) {
    Path file = images.confine(d.id(), step.file());
    Optional<Disk> active = d.disks().stream().filter(k -> file.toString().equals(k.path())).findFirst();
    if (active.isEmpty()) {
      if (images.openByGuest(d).contains(file)) {
        throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "cannot rebase " + file + ": domain '" + d.name()
            + "' is " + d.state().description() + " and reads through it (a held file below the active one: "
            + "only the active file can be rebased live, by a block pull); shut it down first");
      }
      return new StepResult(d, false, List.of(), images.run(d, step));
    }
    Disk disk = active.get();
    Path base = step.backing() == null ? null : images.confine(d.id(), step.backing());
    List<io.virtflow.agent.disk.ImageInfo> chain = images.qemu().chain(file);
    Path now = chain.get(0).backing();
    if (java.util.Objects.equals(now, base)) {
      return new StepResult(d, false, List.of(), "already done: " + file + (base == null ? " has no backing file"
          : " has backing file " + base));
    }
    if (!chain.get(0).tags().isEmpty()) {
      throw HypervisorException.failed(Fault.SNAPSHOT_UNSAFE, "cannot rebase " + file + ": it holds internal snapshots "
          + chain.get(0).tags() + " whose content would change");
    }
    if (base != null && chain.stream().skip(1).noneMatch(i -> i.file().equals(base))) {
      throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "cannot rebase " + file + " onto " + base
          + " while domain '" + d.name() + "' is " + d.state().description() + ": a live rebase is a block pull, "
          + "which can only drop files from the chain, and " + base + " is not in it");
    }
    String what = "block pull of disk " + disk.target() + " of domain '" + d.name() + "' into " + file
        + (base == null ? " (the whole chain)" : " down to " + base);
    Connect c = connection.get();
    org.libvirt.Domain dom = find(c, d.id(), d.name(), Operation.DEFINE);
    try {
      long started = System.nanoTime();
      BlockJobs.End end = blockJobs.run(dom, disk.target(), file.toString(), BlockJobs.PULL, what,
          () -> NativeCalls.blockPull(dom, disk.target(), base == null ? null : base.toString(), blockJobBandwidthMiB));
      Path after = images.qemu().info(file).backing();
      if (!java.util.Objects.equals(after, base)) {
        throw HypervisorException.failed(Fault.DRIVER_ERROR, what + " ended (" + end + ") but " + file
            + " reads through " + after + ", not " + base + "; the chain is as it was");
      }
      Domain moved = writeMeta(c, dom, lookup(d.id()).orElseThrow(), d.version() + 1, d.state(), d.reason());
      return new StepResult(moved, true, List.of(), what + ": done in "
          + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms (libvirt block job, event " + end + ")");
    } catch (LibvirtException e) {
      throw connection.failure("cannot run the " + what, e, c);
    } finally {
      free(dom);
    }
  }

  /** The disk moves to a new overlay of its active file while the guest runs: libvirt's external disk-only snapshot. */
  private StepResult liveSetActive(Domain d, DiskStep step) {
    Path file = images.confine(d.id(), step.file());
    Disk disk = d.disk(step.target()).orElseThrow(() -> HypervisorException.failed(Fault.INVALID_ARG,
        "domain '" + d.name() + "' has no disk " + step.target()));
    if (file.toString().equals(disk.path())) {
      return new StepResult(d, false, List.of(), "already done: disk " + disk.target() + " of domain '" + d.name()
          + "' is on " + file);
    }
    images.checkCanBeActive(file);
    Path backing = images.qemu().info(file).backing();
    if (backing == null || !backing.toAbsolutePath().normalize().equals(Path.of(disk.path()))) {
      throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "cannot move disk " + disk.target() + " of domain '"
          + d.name() + "' to " + file + " while it is " + d.state().description() + ": only a new overlay of its "
          + "active file " + disk.path() + " can become active on a running guest; shut it down first");
    }
    StringBuilder x = new StringBuilder("<domainsnapshot><disks>");
    for (Disk other : d.disks()) {
      x.append("<disk name='").append(other.target()).append("'");
      if (other.target().equals(disk.target())) {
        x.append(" snapshot='external' type='file'><driver type='qcow2'/><source file='")
            .append(DomainXml.esc(file.toString())).append("'/></disk>");
      } else {
        x.append(" snapshot='no'/>");
      }
    }
    x.append("</disks></domainsnapshot>");
    Connect c = connection.get();
    org.libvirt.Domain dom = find(c, d.id(), d.name(), Operation.DEFINE);
    try {
      dom.snapshotCreateXML(x.toString(), LIVE_DISK_ONLY).free();
      Domain after = writeMeta(c, dom, lookup(d.id()).orElseThrow(), d.version() + 1, d.state(), d.reason());
      return new StepResult(after, true, List.of(), "disk " + disk.target() + " of running domain '" + d.name()
          + "' is now on " + file + " (libvirt's disk-only external snapshot)");
    } catch (LibvirtException e) {
      throw connection.failure("cannot move disk " + disk.target() + " of running domain '" + d.name() + "' to " + file,
          e, c);
    } finally {
      free(dom);
    }
  }

  private StepResult setActive(Domain d, DiskStep step) {
    Path file = images.confine(d.id(), step.file());
    Disk disk = d.disk(step.target()).orElseThrow(() -> HypervisorException.failed(Fault.INVALID_ARG,
        "domain '" + d.name() + "' has no disk " + step.target()));
    if (file.toString().equals(disk.path())) {
      return new StepResult(d, false, List.of(), "already done: disk " + disk.target() + " of domain '" + d.name()
          + "' is on " + file);
    }
    images.checkCanBeActive(file);
    Connect c = connection.get();
    org.libvirt.Domain dom = find(c, d.id(), d.name(), Operation.DEFINE);
    try {
      String xml = DomainXml.withDiskSource(dom.getXMLDesc(XML_INACTIVE), step.target(), file.toString());
      org.libvirt.Domain redefined = c.domainDefineXML(xml);
      Domain after;
      try {
        after = writeMeta(c, redefined, lookup(d.id()).orElseThrow(), d.version() + 1, d.state(), d.reason());
      } finally {
        free(redefined);
      }
      return new StepResult(after, true, List.of(), "disk " + disk.target() + " of domain '" + d.name()
          + "' is now on " + file);
    } catch (LibvirtException e) {
      throw connection.failure("cannot move disk " + disk.target() + " of domain '" + d.name() + "'", e, c);
    } finally {
      free(dom);
    }
  }

  private StepResult domainStep(Domain d, DiskStep step) {
    DomainSteps.Answer answer = DomainSteps.answer(d, step);
    if (answer instanceof DomainSteps.Refused r) {
      throw HypervisorException.failed(r.fault(), r.message());
    }
    if (answer instanceof DomainSteps.Done done) {
      return new StepResult(d, false, List.of(), "already done: " + done.message());
    }
    if (answer instanceof DomainSteps.Move move && !move.transition().state().isActive()) {
      Connect c = connection.get();
      org.libvirt.Domain dom = find(c, d.id(), d.name(), Operation.DESTROY);
      try {
        dom.destroy();
        Domain after = read(c, dom).orElseThrow();
        after = writeMeta(c, dom, after, Math.max(d.version() + 1, after.version()), after.state(), after.reason());
        return new StepResult(after, true, move.transition().events(), move.message());
      } catch (LibvirtException e) {
        throw connection.failure("cannot stop domain '" + d.name() + "'", e, c);
      } finally {
        free(dom);
      }
    }
    if (answer instanceof DomainSteps.Move move && move.transition().state().isActive()) {
      Connect c = connection.get();
      org.libvirt.Domain dom = find(c, d.id(), d.name(), Operation.START);
      try {
        dom.create(move.transition().state() == State.PAUSED ? START_PAUSED : 0);
        Domain after = read(c, dom).orElseThrow();
        after = writeMeta(c, dom, after, Math.max(d.version() + 1, after.version()), after.state(), after.reason());
        return new StepResult(after, true, move.transition().events(), move.message());
      } catch (LibvirtException e) {
        throw connection.failure("cannot start domain '" + d.name() + "'", e, c);
      } finally {
        free(dom);
      }
    }
    throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "step " + step.kind() + " on domain '" + d.name()
        + "' is not supported by the libvirt driver while it is " + d.state().description());
  }

  @Override
  public DiskReport inspectDisks(String domainId) {
    Domain d = lookup(domainId).orElseThrow(() -> HypervisorException.rejected(Fault.NO_DOMAIN,
        "cannot inspect the disks of domain '" + domainId + "': no such domain on this host"));
    return images.inspect(d);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private void removeFiles(String domainId) {
    try {
      for (Path f : pool.filesOf(domainId)) {
        pool.delete(f);
      }
      Files.deleteIfExists(consoleLog(domainId));
    } catch (IOException e) {
      throw new HypervisorException(Fault.DRIVER_ERROR, "cannot remove the storage of domain " + domainId + ": " + e);
    }
  }

  private static Error.ErrorNumber code(LibvirtException e) {
    return e.getError() == null ? null : e.getError().getCode();
  }

  private static void free(org.libvirt.Domain dom) {
    if (dom == null) {
      return;
    }
    try {
      dom.free();
    } catch (LibvirtException | RuntimeException e) {
      LOG.debug("freeing a domain handle: {}", e.toString());
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** The domain type guests get here: {@code kvm} or {@code qemu}. */
  public String domainType() {
    return domainType;
  }

  /** The image directory definitions name their kernels, initrds and base images in. */
  public Path imageDirectory() {
    return imageDir;
  }

  @Override
  public void close() {
    connection.close();
    feed.shutdownNow();
    images.qemu().close();
  }
}
