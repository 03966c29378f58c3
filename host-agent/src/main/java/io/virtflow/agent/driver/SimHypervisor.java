package io.virtflow.agent.driver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;
import io.virtflow.agent.store.AtomicFile;

/**
 * The {@code sim} driver, like libvirt's test driver: no guest runs, every domain is a JSON file {@code <dataDir>/sim/domains/<id>.json}
 * replaced atomically on every change, and a new instance on the same directory finds every domain.
 *
 * <p>Disks, with the {@code qcow2} backend: each disk is a real image {@code <dataDir>/pool/<id>-<target>.qcow2}
 * made by {@code qemu-img} at define, and snapshot workflow steps do real work on the pool's files
 * ({@link ImageSteps}), so that {@code qemu-io} can check the bytes. With the {@code memory} backend (scale
 * benchmarks) disks keep their path but no file exists, and steps on images are {@code OPERATION_UNSUPPORTED}.
 * The guest itself is simulated: a running domain "holds" its images (an internal snapshot cannot be
 * applied to them), and its guest agent freezes and thaws filesystems as a flag.
 *
 * <p>For tests: a latency per operation (slowness), failures and hangs injected into the next call
 * ({@link #failNext}, {@link #holdNext}), a share of lifecycle calls that fail at random ({@link #setFaultRate}),
 * changes a guest makes on its own, reported on the change feed as libvirt reports them ({@link #guestPowersOff},
 * {@link #guestCrashes}, {@link #guestPausedOnIoError}), a guest that ignores the power button
 * ({@link #guestIgnoresShutdown}), and a count of calls per operation.
 *
 * <p>The sim does not judge legality (the agent decides with {@link Lifecycle}); like a real hypervisor it
 * refuses a move on a domain that changed since the agent looked ({@code OPERATION_INVALID}).
 */
public final class SimHypervisor implements Hypervisor {
  public static final String NAME = "sim";
  /** The disk backends: real qcow2 files, or none. */
  public static final String QCOW2_BACKEND = "qcow2";
  public static final String MEMORY_BACKEND = "memory";
  private static final Logger LOG = LoggerFactory.getLogger(SimHypervisor.class);

  /** A failure to inject: into the next call of {@code operation}, or of any operation when null. */
  private record Injected(Operation operation, String message) {
  }

  /** A call held inside the driver (a hang) until {@link #release()}. */
  public static final class Hold {
    private final Operation operation;
    private final CountDownLatch released = new CountDownLatch(1);
    private final CountDownLatch reached = new CountDownLatch(1);

    private Hold(Operation operation) {
      this.operation = operation;
    }

    /** Lets the held call go on. */
    public void release() {
      released.countDown();
    }

    /** Whether a call has reached the hold and waits there (or did). */
    public boolean reached() {
      return reached.getCount() == 0;
    }
  }

  private final Path domainDir;
  private final Pool pool;
  /** Null with the memory backend. */
  private final ImageSteps images;
  private final Clock clock;
  private final Map<String, Domain> domains = new ConcurrentHashMap<>();
  private final Map<Operation, Duration> latency = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Injected> failures = new ConcurrentLinkedQueue<>();
  /** The share of lifecycle calls that fail DRIVER_ERROR at random, changing nothing. */
  private volatile double faultRate;
  private final ConcurrentLinkedQueue<Hold> holds = new ConcurrentLinkedQueue<>();
  private final Map<Operation, AtomicLong> calls = new EnumMap<>(Operation.class);
  private final Map<DiskStep.Kind, AtomicLong> stepCalls = new EnumMap<>(DiskStep.Kind.class);
  /** Guards the name index and each change + its file write; never held while sleeping or running qemu-img. */
  private final Object lock = new Object();
  /** Domains whose guest ignores the power button (tests): a shutdown waits its timeout out. */
  private final Set<String> deafGuests = ConcurrentHashMap.newKeySet();
  /** Shutdowns waiting for a deaf guest, by domain id: call to cut the wait short. */
  private final Map<String, java.util.function.Consumer<String>> shutdownWaits = new ConcurrentHashMap<>();
  private volatile Duration shutdownTimeout = Duration.ofSeconds(20);
  private volatile Observer observer;
  private volatile Path imageDir;
  /** Names being defined now (their images are being made, outside the lock). */
  private final Set<String> defining = new HashSet<>();

  private SimHypervisor(Path dataDir, Pool pool, QemuImg qemu, Clock clock) {
    this.domainDir = dataDir.resolve("sim").resolve("domains").toAbsolutePath();
    this.pool = pool;
    this.images = qemu == null ? null : new ImageSteps(pool, qemu);
    this.clock = clock;
    for (Operation op : Operation.values()) {
      calls.put(op, new AtomicLong());
    }
    for (DiskStep.Kind kind : DiskStep.Kind.values()) {
      stepCalls.put(kind, new AtomicLong());
    }
  }

  /** Opens the simulator on {@code dataDir} with the memory disk backend (no image files). Blocking. */
  public static SimHypervisor open(Path dataDir, Duration defaultLatency, Map<Operation, Duration> latencies,
      Clock clock) throws IOException {
    return open(dataDir, defaultLatency, latencies, clock, null);
  }

  /**
   * Opens the simulator on {@code dataDir}, loading every domain it kept there. Blocking.
   *
   * @param qemu the qcow2 disk backend's qemu-img (closed with the driver); null for the memory backend
   */
  public static SimHypervisor open(Path dataDir, Duration defaultLatency, Map<Operation, Duration> latencies,
      Clock clock, QemuImg qemu) throws IOException {
    SimHypervisor sim = new SimHypervisor(dataDir, Pool.open(dataDir.resolve("pool")), qemu, clock);
    for (Operation op : Operation.values()) {
      sim.latency.put(op, latencies.getOrDefault(op, defaultLatency));
    }
    sim.load();
    return sim;
  }

  private void load() throws IOException {
    Files.createDirectories(domainDir);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(domainDir, "*.json")) {
      for (Path file : files) {
        if (file.getFileName().toString().startsWith(".")) {
          continue;
        }
        Domain d;
        try {
          d = SimDomainFile.decode(Files.readAllBytes(file));
        } catch (IOException e) {
          throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (!file.getFileName().toString().equals(d.id() + ".json")) {
          throw new IOException(file + " holds domain " + d.id());
        }
        domains.put(d.id(), d);
      }
    }
    LOG.info("sim driver: {} domain(s) in {}, disk backend {}", domains.size(), domainDir, diskBackend());
  }

  @Override
  public String driverName() {
    return NAME;
  }

  @Override
  public Change define(String domainId, DomainDefinition definition) {
    enter(Operation.DEFINE);
    Domain domain;
    Transition.Accepted accepted;
    synchronized (lock) {
      injectedFailure(Operation.DEFINE);
      if (!Domain.isValidId(domainId)) {
        throw new HypervisorException(Fault.INVALID_ARG, "domain id '" + domainId + "' is not a UUID");
      }
      List<String> problems = new ArrayList<>(definition.problems());
      List<Disk> placed = new ArrayList<>();
      for (Disk disk : definition.disks()) {
        Path image = pool.baseImage(domainId, disk.target());
        if (disk.path() != null && !Path.of(disk.path()).toAbsolutePath().normalize().equals(image)) {
          problems.add("disk " + disk.target() + ": path '" + disk.path() + "' is not for the client to choose: "
              + "images live in the host's pool as " + image);
        }
        placed.add(disk.placedAt(image.toString()));
        if (disk.image() != null && images != null) {
          imageProblem("disk " + disk.target() + ": image", disk.image()).ifPresent(problems::add);
        }
      }
      if (definition.boot() != null && definition.boot().problems().isEmpty()) {
        imageProblem("boot.kernel", definition.boot().kernel()).ifPresent(problems::add);
        if (definition.boot().initrd() != null) {
          imageProblem("boot.initrd", definition.boot().initrd()).ifPresent(problems::add);
        }
      }
      if (!problems.isEmpty()) {
        throw new HypervisorException(Fault.INVALID_ARG, "invalid definition of domain '" + definition.name()
            + "': " + String.join("; ", problems));
      }
      Domain existing = domains.get(domainId);
      if (existing == null) {
        existing = byName(definition.name()).orElse(null);
      }
      if (existing == null && defining.contains(definition.name())) {
        throw new HypervisorException(Fault.OPERATION_INVALID, "domain '" + definition.name() + "' already exists",
            Optional.of(State.SHUTOFF));
      }
      Transition transition = existing == null
          ? Lifecycle.applyToAbsent(definition.name(), Request.of(Operation.DEFINE))
          : Lifecycle.apply(existing.name(), existing.state(), existing.reason(), Request.of(Operation.DEFINE));
      accepted = accepted(transition);
      domain = Domain.defined(domainId, definition, placed, accepted, now());
      defining.add(definition.name());
    }
    try {
      // qemu-img runs outside the lock: other domains go on meanwhile; the name stays reserved.
      if (images != null) {
        images.createBaseImages(domainId, domain.disks(), imageDir);
      }
      synchronized (lock) {
        persist(domain);
      }
    } finally {
      synchronized (lock) {
        defining.remove(definition.name());
      }
    }
    return new Change(domain, false, accepted.events());
  }

  @Override
  public Change carryOut(Domain before, Request request, Transition.Accepted decided) {
    Operation op = request.operation();
    if (op == Operation.DEFINE) {
      throw new IllegalArgumentException("define takes a definition: call define()");
    }
    enter(op);
    if (op == Operation.SHUTDOWN && deafGuests.contains(before.id())) {
      waitOutShutdown(before);
    }
    Change change;
    synchronized (lock) {
      injectedFailure(op);
      Domain domain = domains.get(before.id());
      if (domain == null) {
        throw HypervisorException.rejected(Fault.NO_DOMAIN, "cannot " + op.verb() + " domain '" + before.name()
            + "': no such domain on this host");
      }
      if (domain.version() != before.version()) {
        // As a real hypervisor would: the domain moved on its own since the agent looked.
        throw new HypervisorException(Fault.OPERATION_INVALID, "cannot " + op.verb() + " domain '" + domain.name()
            + "': it changed meanwhile and is now " + domain.state().description(), Optional.of(domain.state()));
      }
      Domain after = domain.after(decided, now());
      if (decided.removed()) {
        if (request.removeStorage()) {
          // Files first: a crash in between leaves the domain defined, and the undefine runs again.
          removeStorage(domain.id());
        }
        remove(after);
      } else {
        persist(after);
      }
      change = new Change(after, decided.removed(), decided.events());
    }
    // Like libvirt, the sim reports the changes commands make too: the agent must not count them twice.
    notifyChanged(before.id(), decided.events().isEmpty() ? null : decided.events().get(decided.events().size() - 1));
    return change;
  }

  /**
   * A guest that does not react to the power button: the shutdown waits its timeout out (or is cut
   * short), the domain keeps running, and the call fails saying so.
   */
  private void waitOutShutdown(Domain before) {
    CountDownLatch cut = new CountDownLatch(1);
    String[] why = new String[1];
    shutdownWaits.put(before.id(), reason -> {
      why[0] = reason;
      cut.countDown();
    });
    try {
      if (cut.await(shutdownTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw HypervisorException.failed(Fault.OPERATION_INVALID, "shutdown of domain '" + before.name()
            + "' cut short: " + why[0] + "; the guest had not shut down");
      }
      throw HypervisorException.guestTimeout("the guest of domain '" + before.name() + "' did not shut down within "
          + shutdownTimeout.toMillis() + " ms of the request; it is still running");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HypervisorException(Fault.DRIVER_ERROR, "interrupted during shutdown");
    } finally {
      shutdownWaits.remove(before.id());
    }
  }

  @Override
  public String console(String domainId, int tailLines) {
    if (!domains.containsKey(domainId)) {
      throw HypervisorException.rejected(Fault.NO_DOMAIN, "no domain " + domainId + " on this host");
    }
    throw HypervisorException.rejected(Fault.OPERATION_UNSUPPORTED, "the sim driver runs no guest: there is no "
        + "serial console to read (the libvirt driver has one)");
  }

  /** The host's image directory (definitions' boot files and base images); null for none. */
  public void setImageDir(Path dir) {
    imageDir = dir == null ? null : dir.toAbsolutePath().normalize();
  }

  @Override
  public void cutShort(String domainId, String why) {
    java.util.function.Consumer<String> wait = shutdownWaits.get(domainId);
    if (wait != null) {
      wait.accept(why);
    }
  }

  @Override
  public void watch(Observer newObserver) {
    this.observer = newObserver;
  }

  @Override
  public DriverStatus status() {
    return new DriverStatus(true, "sim driver, disk backend " + diskBackend(), Map.of("diskBackend", diskBackend()),
        0, 0, DriverStatus.imagesIn(imageDir));
  }

  private void notifyChanged(String domainId, Event hint) {
    Observer o = observer;
    if (o != null) {
      o.changed(domainId, Optional.ofNullable(hint));
    }
  }

  @Override
  public Optional<Domain> lookup(String domainId) {
    return Optional.ofNullable(domains.get(domainId));
  }

  @Override
  public Optional<Domain> lookupByName(String name) {
    return byName(name);
  }

  @Override
  public List<Domain> list() {
    return domains.values().stream().sorted(Comparator.comparing(Domain::name)).toList();
  }

  @Override
  public StepResult runStep(String domainId, DiskStep step) {
    stepCalls.get(step.kind()).incrementAndGet();
    Domain d = domains.get(domainId);
    if (d == null) {
      throw HypervisorException.rejected(Fault.NO_DOMAIN, "cannot run " + step.kind() + " on domain '" + domainId
          + "': no such domain on this host");
    }
    List<String> problems = step.problems();
    if (!problems.isEmpty()) {
      throw HypervisorException.rejected(Fault.INVALID_ARG, "invalid step " + step.kind() + ": "
          + String.join("; ", problems));
    }
    if (step.kind().touchesImages()) {
      requireImages();
    }
    return switch (step.kind()) {
      case SET_ACTIVE -> setActive(d, step);
      case STOP_DOMAIN, START_DOMAIN, FREEZE, THAW -> domainStep(domainId, step);
      default -> new StepResult(d, false, List.of(), images.run(d, step));
    };
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
    synchronized (lock) {
      Domain after = domains.get(d.id()).withDiskAt(step.target(), file.toString(), now());
      persist(after);
      return new StepResult(after, true, List.of(), "disk " + disk.target() + " of domain '" + d.name()
          + "' is now on " + file);
    }
  }

  private StepResult domainStep(String domainId, DiskStep step) {
    synchronized (lock) {
      Domain d = domains.get(domainId);
      DomainSteps.Answer answer = DomainSteps.answer(d, step);
      if (answer instanceof DomainSteps.Refused r) {
        throw HypervisorException.failed(r.fault(), r.message());
      }
      if (answer instanceof DomainSteps.Done done) {
        return new StepResult(d, false, List.of(), "already done: " + done.message());
      }
      if (answer instanceof DomainSteps.Move move) {
        Domain after = d.after(move.transition(), now());
        persist(after);
        return new StepResult(after, true, move.transition().events(), move.message());
      }
      DomainSteps.Freeze freeze = (DomainSteps.Freeze) answer;
      Domain after = d.withFrozen(freeze.frozen(), now());
      persist(after);
      return new StepResult(after, true, List.<Event>of(), freeze.message());
    }
  }

  @Override
  public DiskReport inspectDisks(String domainId) {
    Domain d = domains.get(domainId);
    if (d == null) {
      throw HypervisorException.rejected(Fault.NO_DOMAIN, "cannot inspect the disks of domain '" + domainId
          + "': no such domain on this host");
    }
    requireImages();
    return images.inspect(d);
  }

  /** As the libvirt driver: a named image must be a file in the host's image directory. */
  private Optional<String> imageProblem(String field, String name) {
    Path dir = imageDir;
    if (dir == null) {
      return Optional.of(field + " '" + name + "': host has no image directory");
    }
    Path file = dir.resolve(name).toAbsolutePath().normalize();
    if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
      return Optional.of(field + " '" + name + "' is not in the image directory " + dir);
    }
    return Optional.empty();
  }

  private void requireImages() {
    if (images == null) {
      throw HypervisorException.failed(Fault.OPERATION_UNSUPPORTED, "disk backend '" + MEMORY_BACKEND
          + "' has no image files");
    }
  }

  /** Deletes every file of the domain in the pool: base images, overlays, copies, leftovers of a crash. */
  private void removeStorage(String domainId) {
    try {
      for (Path f : pool.filesOf(domainId)) {
        pool.delete(f);
      }
    } catch (IOException e) {
      throw new HypervisorException(Fault.DRIVER_ERROR, "cannot remove the storage of domain " + domainId + ": " + e);
    }
  }

  /** {@value #QCOW2_BACKEND} or {@value #MEMORY_BACKEND}. */
  public String diskBackend() {
    return images == null ? MEMORY_BACKEND : QCOW2_BACKEND;
  }

  /** The storage pool directory. */
  public Path poolDirectory() {
    return pool.dir();
  }

  @Override
  public void close() {
    // Every change is on disk the moment it is made: nothing to flush; qemu-img's output threads go.
    if (images != null) {
      images.qemu().close();
    }
  }

  // ---- for tests and fault injection -------------------------------------------------------------

  /** The next call of {@code operation} (any operation when null) fails with DRIVER_ERROR, changing nothing. */
  public void failNext(Operation operation, String message) {
    failures.add(new Injected(operation, message));
  }

  /** The next call of {@code operation} hangs until the returned hold is released. */
  public Hold holdNext(Operation operation) {
    Hold hold = new Hold(operation);
    holds.add(hold);
    return hold;
  }

  /** From now on, each lifecycle call (define, start, ...) fails DRIVER_ERROR with this probability (0 to 1). */
  public void setFaultRate(double rate) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("fault rate " + rate + " is not between 0 and 1");
    }
    faultRate = rate;
  }

  public void setLatency(Operation operation, Duration delay) {
    latency.put(operation, delay);
  }

  /** How many times {@code operation} was called, refused and failed calls included. */
  public long calls(Operation operation) {
    return calls.get(operation).get();
  }

  /** How many times a step of {@code kind} was run, refused, failed and already-done ones included. */
  public long stepCalls(DiskStep.Kind kind) {
    return stepCalls.get(kind).get();
  }

  /**
   * What a guest or qemu does on its own (the guest crashes, powers off, is paused on an I/O error): the
   * domain moves to {@code state}/{@code reason}, its version grows, and the change feed reports
   * {@code event} as libvirt would.
   */
  public Domain guestChangedState(String domainId, State state, Reason reason, Event.Type type, Event.Detail detail) {
    Domain after;
    synchronized (lock) {
      Domain d = domains.get(domainId);
      if (d == null) {
        throw new HypervisorException(Fault.NO_DOMAIN, "no domain " + domainId);
      }
      after = d.movedTo(state, reason, now());
      persist(after);
    }
    notifyChanged(domainId, new Event(type, detail, state, reason));
    return after;
  }

  /** As {@link #guestChangedState(String, State, Reason, Event.Type, Event.Detail)}, reporting no event. */
  public Domain guestChangedState(String domainId, State state, Reason reason) {
    Domain after;
    synchronized (lock) {
      Domain d = domains.get(domainId);
      if (d == null) {
        throw new HypervisorException(Fault.NO_DOMAIN, "no domain " + domainId);
      }
      after = d.movedTo(state, reason, now());
      persist(after);
    }
    return after;
  }

  /** The guest powers itself off ({@code poweroff} inside it): libvirt's {@code STOPPED/SHUTDOWN}. */
  public Domain guestPowersOff(String domainId) {
    return guestChangedState(domainId, State.SHUTOFF, Reason.SHUTDOWN, Event.Type.STOPPED, Event.Detail.SHUTDOWN);
  }

  /** The guest crashes and QEMU is gone ({@code on_crash=destroy}): libvirt's {@code STOPPED/CRASHED}. */
  public Domain guestCrashes(String domainId) {
    return guestChangedState(domainId, State.SHUTOFF, Reason.CRASHED, Event.Type.STOPPED, Event.Detail.CRASHED);
  }

  /** A disk error pauses the guest ({@code error_policy=stop}): libvirt's {@code SUSPENDED/IOERROR}. */
  public Domain guestPausedOnIoError(String domainId) {
    return guestChangedState(domainId, State.PAUSED, Reason.IOERROR, Event.Type.SUSPENDED, Event.Detail.IOERROR);
  }

  /** Whether the guest of {@code domainId} ignores the power button: a shutdown then waits its timeout out. */
  public void guestIgnoresShutdown(String domainId, boolean ignores) {
    if (ignores) {
      deafGuests.add(domainId);
    } else {
      deafGuests.remove(domainId);
    }
  }

  /** How long a shutdown waits for a guest that ignores the power button. */
  public void setShutdownTimeout(Duration timeout) {
    shutdownTimeout = timeout;
  }

  /** Every domain may have changed: the feed asks for a full resync (as after a reconnect). */
  public void requestResync() {
    Observer o = observer;
    if (o != null) {
      o.resync();
    }
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** Counts the call and takes the operation's time, outside the lock so other domains proceed. */
  private void enter(Operation operation) {
    calls.get(operation).incrementAndGet();
    try {
      for (Hold hold : holds) {
        if (hold.operation == operation && holds.remove(hold)) {
          hold.reached.countDown();
          hold.released.await();
          break;
        }
      }
      Duration delay = latency.getOrDefault(operation, Duration.ZERO);
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis());
      }
      double rate = faultRate;
      if (rate > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < rate) {
        throw new HypervisorException(Fault.DRIVER_ERROR, "sim driver: injected fault on " + operation.verb()
            + " (fault rate " + rate + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HypervisorException(Fault.DRIVER_ERROR, "interrupted during " + operation.verb());
    }
  }

  private void injectedFailure(Operation operation) {
    for (Injected injected : failures) {
      if ((injected.operation() == null || injected.operation() == operation) && failures.remove(injected)) {
        throw new HypervisorException(Fault.DRIVER_ERROR, injected.message());
      }
    }
  }

  private static Transition.Accepted accepted(Transition transition) {
    if (transition instanceof Transition.Rejected rejected) {
      throw new HypervisorException(rejected.fault(), rejected.message(), rejected.current());
    }
    return (Transition.Accepted) transition;
  }

  private Optional<Domain> byName(String name) {
    return domains.values().stream().filter(d -> d.name().equals(name)).findFirst();
  }

  private void persist(Domain domain) {
    try {
      AtomicFile.write(fileOf(domain.id()), SimDomainFile.encode(domain));
    } catch (IOException e) {
      throw new HypervisorException(Fault.DRIVER_ERROR, "cannot save domain '" + domain.name() + "': " + e);
    }
    domains.put(domain.id(), domain);
  }

  private void remove(Domain domain) {
    try {
      AtomicFile.delete(fileOf(domain.id()));
    } catch (IOException e) {
      throw new HypervisorException(Fault.DRIVER_ERROR, "cannot remove domain '" + domain.name() + "': " + e);
    }
    domains.remove(domain.id());
  }

  private Path fileOf(String domainId) {
    return domainDir.resolve(domainId + ".json");
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Where the sim keeps its domain files (for tests that look at them). */
  public Path domainDirectory() {
    return domainDir;
  }
}
