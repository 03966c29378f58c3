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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;
import io.virtflow.agent.store.AtomicFile;

/**
 * The {@code sim} driver, like libvirt's test driver: no guest runs, but the lifecycle is real
 * ({@link Lifecycle}'s table), every domain is a JSON file {@code <dataDir>/sim/domains/<id>.json}
 * replaced atomically on every change, and a new instance on the same directory finds every domain.
 *
 * <p>Disks are metadata only for now: each gets the path {@code <dataDir>/pool/<id>-<target>.qcow2},
 * but no image file is created yet.
 *
 * <p>For tests: a latency per operation, failures and hangs injected into the next call ({@link #failNext},
 * {@link #holdNext}), state changes a guest would make on its own ({@link #guestChangedState}), and a
 * count of calls per operation.
 */
public final class SimHypervisor implements Hypervisor {
  public static final String NAME = "sim";
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
  private final Path poolDir;
  private final Clock clock;
  private final Map<String, Domain> domains = new ConcurrentHashMap<>();
  private final Map<Operation, Duration> latency = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Injected> failures = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Hold> holds = new ConcurrentLinkedQueue<>();
  private final Map<Operation, AtomicLong> calls = new EnumMap<>(Operation.class);
  /** Guards the name index and each change + its file write; never held while sleeping. */
  private final Object lock = new Object();

  private SimHypervisor(Path dataDir, Clock clock) {
    this.domainDir = dataDir.resolve("sim").resolve("domains").toAbsolutePath();
    this.poolDir = dataDir.resolve("pool").toAbsolutePath().normalize();
    this.clock = clock;
    for (Operation op : Operation.values()) {
      calls.put(op, new AtomicLong());
    }
  }

  /** Opens the simulator on {@code dataDir}, loading every domain it kept there. Blocking. */
  public static SimHypervisor open(Path dataDir, Duration defaultLatency, Map<Operation, Duration> latencies,
      Clock clock) throws IOException {
    SimHypervisor sim = new SimHypervisor(dataDir, clock);
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
    LOG.info("sim driver: {} domain(s) in {}", domains.size(), domainDir);
  }

  @Override
  public String driverName() {
    return NAME;
  }

  @Override
  public Change define(String domainId, DomainDefinition definition) {
    enter(Operation.DEFINE);
    synchronized (lock) {
      injectedFailure(Operation.DEFINE);
      if (!Domain.isValidId(domainId)) {
        throw new HypervisorException(Fault.INVALID_ARG, "domain id '" + domainId + "' is not a UUID");
      }
      List<String> problems = new ArrayList<>(definition.problems());
      List<Disk> placed = new ArrayList<>();
      for (Disk disk : definition.disks()) {
        Path image = poolDir.resolve(domainId + "-" + disk.target() + ".qcow2");
        if (disk.path() != null && !Path.of(disk.path()).toAbsolutePath().normalize().equals(image)) {
          problems.add("disk " + disk.target() + ": path '" + disk.path() + "' is not for the client to choose: "
              + "images live in the host's pool as " + image);
        }
        placed.add(disk.placedAt(image.toString()));
      }
      if (!problems.isEmpty()) {
        throw new HypervisorException(Fault.INVALID_ARG, "invalid definition of domain '" + definition.name()
            + "': " + String.join("; ", problems));
      }
      Domain existing = domains.get(domainId);
      if (existing == null) {
        existing = byName(definition.name()).orElse(null);
      }
      Transition transition = existing == null
          ? Lifecycle.applyToAbsent(definition.name(), Request.of(Operation.DEFINE))
          : Lifecycle.apply(existing.name(), existing.state(), existing.reason(), Request.of(Operation.DEFINE));
      Transition.Accepted accepted = accepted(transition);
      Domain domain = Domain.defined(domainId, definition, placed, accepted, now());
      persist(domain);
      return new Change(domain, false, accepted.events());
    }
  }

  @Override
  public Change undefine(String domainId, boolean force) {
    return transition(domainId, Request.undefine(force));
  }

  @Override
  public Change start(String domainId, boolean paused) {
    return transition(domainId, paused ? Request.startPaused() : Request.of(Operation.START));
  }

  @Override
  public Change shutdown(String domainId) {
    return transition(domainId, Request.of(Operation.SHUTDOWN));
  }

  @Override
  public Change reboot(String domainId) {
    return transition(domainId, Request.of(Operation.REBOOT));
  }

  @Override
  public Change destroy(String domainId) {
    return transition(domainId, Request.of(Operation.DESTROY));
  }

  @Override
  public Change suspend(String domainId) {
    return transition(domainId, Request.of(Operation.SUSPEND));
  }

  @Override
  public Change resume(String domainId) {
    return transition(domainId, Request.of(Operation.RESUME));
  }

  private Change transition(String domainId, Request request) {
    enter(request.operation());
    synchronized (lock) {
      injectedFailure(request.operation());
      Domain domain = domains.get(domainId);
      Transition transition = domain == null
          ? Lifecycle.applyToAbsent(domainId, request)
          : Lifecycle.apply(domain.name(), domain.state(), domain.reason(), request);
      Transition.Accepted accepted = accepted(transition);
      Domain after = domain.after(accepted, now());
      if (accepted.removed()) {
        remove(after);
      } else {
        persist(after);
      }
      return new Change(after, accepted.removed(), accepted.events());
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
  public void close() {
    // Every change is on disk the moment it is made: nothing to flush.
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

  public void setLatency(Operation operation, Duration delay) {
    latency.put(operation, delay);
  }

  /** How many times {@code operation} was called, refused and failed calls included. */
  public long calls(Operation operation) {
    return calls.get(operation).get();
  }

  /**
   * What a guest or qemu does on its own (the guest crashes, powers off, is suspended by its own power
   * management): the domain moves to {@code state}/{@code reason}, its version grows.
   */
  public Domain guestChangedState(String domainId, State state, Reason reason) {
    synchronized (lock) {
      Domain d = domains.get(domainId);
      if (d == null) {
        throw new HypervisorException(Fault.NO_DOMAIN, "no domain " + domainId);
      }
      Domain after = new Domain(d.id(), d.name(), state, reason, d.vcpus(), d.memoryMiB(), d.disks(),
          d.version() + 1, d.principal(), now());
      persist(after);
      return after;
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
