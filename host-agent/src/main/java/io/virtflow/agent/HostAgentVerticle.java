package io.virtflow.agent;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.driver.DriverGuard;
import io.virtflow.agent.driver.Hypervisor;
import io.virtflow.agent.driver.HypervisorException;
import io.virtflow.agent.driver.DriverStatus;
import io.virtflow.agent.driver.Drivers;
import io.virtflow.agent.driver.Observer;
import io.virtflow.agent.kafka.PublishedStates;
import io.virtflow.agent.kafka.BusWriter;
import io.virtflow.agent.kafka.CommandProcessor;
import io.virtflow.agent.kafka.EpochWatch;
import io.virtflow.agent.kafka.Messages;
import io.virtflow.agent.store.AgentEpoch;
import io.virtflow.agent.store.DataDirLock;
import io.virtflow.agent.store.OutcomeJournal;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.health.HealthServer;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.OrderedCommitConsumer;
import io.virtflow.platform.security.BusAcls;
import io.virtflow.platform.kafka.Publisher;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.platform.vertx.Blocking;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.HostState;
import io.virtflow.schema.HostStatus;

/**
 * The agent's one verticle. Start: topics, data directory (lock, epoch, journal, driver), the state of
 * every domain it has (so the compacted state topic converges), the command consumer, the heartbeat,
 * the health endpoint. Stop: drain, commit, DOWN heartbeat, close.
 */
final class HostAgentVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgentVerticle.class);
  /** Commands handed to the agent and not done; past this the consumer pauses. */
  private static final int MAX_IN_FLIGHT = 1_000;
  /** How long a status, event or state write may take before it counts as failed (and is retried). */
  private static final long DELIVERY_TIMEOUT_MS = 30_000;

  private final HostAgentConfig config;
  private final String hostId;
  private final Clock clock;
  private final Supplier<UUID> ids;
  private final Health health = new Health("host-agent");

  // Resources, taken in start() and given back in stop().
  private Blocking blocking;
  private DataDirLock lock;
  private OutcomeJournal journal;
  private volatile Hypervisor driver;
  private DriverGuard guard;
  private Publisher publisher;
  private BusWriter bus;
  private volatile CommandProcessor processor;
  private volatile OrderedCommitConsumer<Command> consumer;
  private HttpServer healthServer;
  private EpochWatch epochWatch;
  /** Why this instance stopped working: a newer instance of the host took over (null while it has not). */
  private volatile String fencedBecause;
  private long heartbeatTimer = -1;
  private long resyncTimer = -1;
  /** How late the last heartbeat timer fired on the agent's context. */
  private long loopLagMs;
  private long epoch;
  private Instant startedAt;
  private volatile Instant lastHeartbeat;
  private boolean halted;

  /** What the blocking part of the start found in the data directory. */
  private record Host(long epoch, OutcomeJournal journal, Hypervisor driver, List<Domain> domains,
      List<Domain> published) {
  }

  HostAgentVerticle(HostAgentConfig config, Clock clock, Supplier<UUID> ids) {
    this.config = config;
    this.hostId = config.hostId();
    this.clock = clock;
    this.ids = ids;
    health.register("consumer", this::consumerCheck)
        .register("heartbeat", this::heartbeatCheck)
        .register("driver", this::driverCheck)
        .register("commands", this::commandsCheck)
        .register("fence", this::fenceCheck);
  }

  @Override
  public Future<?> start() {
    LOG.info("host agent starting: {}", config);
    startedAt = now();
    // Driver calls and journal writes of up to maxConcurrentDomains domains, plus the agent's own chores.
    blocking = new Blocking(vertx, "virtflow-agent-" + hostId, config.maxConcurrentDomains() + 2);
    return blocking.run(this::ensureTopics)
        .compose(v -> blocking.run(this::openHost))
        .compose(this::startProcessor)
        // The new epoch is on the bus before any command is taken: an older instance fences itself on it.
        .compose(domains -> heartbeat(HostState.UP).map(domains))
        .compose(this::publishStates)
        .compose(v -> followEpochs())
        .compose(v -> startResync())
        .compose(v -> startConsumer())
        .compose(v -> startHeartbeat())
        .compose(v -> startHealthServer())
        .onSuccess(v -> LOG.info("host agent {} up: epoch {}, {} domain(s), reading {}", hostId, epoch,
            processor.domains().size(), config.bus().topics().hostCommands(hostId)))
        .recover(e -> release().transform(ar -> Future.failedFuture(e)));
  }

  private Void ensureTopics() {
    TopicAdmin topics = new TopicAdmin(config.bus());
    try (Admin admin = Admin.create(KafkaSettings.admin(config.bus(), "virtflow-agent-" + hostId))) {
      topics.ensureSharedTopics(admin);
      topics.ensureHostTopic(admin, hostId);
    }
    return null;
  }

  private Host openHost() throws IOException {
    lock = DataDirLock.acquire(config.dataDir());
    // Before anything is counted or opened: an agent that cannot reach its hypervisor does not start.
    driver = Drivers.open(config, clock);
    try {
      epochWatch = new EpochWatch(config.bus(), hostId);
      long seen = epochWatch.highestEpoch(Duration.ofSeconds(30));
      long next = AgentEpoch.next(config.dataDir(), seen);
      journal = OutcomeJournal.open(config.dataDir());
      publisher = new Publisher(new KafkaProducer<>(
          KafkaSettings.producer(config.bus(), "virtflow-agent-" + hostId, DELIVERY_TIMEOUT_MS)));
      // As last published: what changed while the agent was down shows as the difference to the driver's.
      List<Domain> published;
      try {
        published = PublishedStates.read(config.bus().bootstrap(), config.bus().topics().vmState(), hostId,
            Duration.ofSeconds(30));
      } catch (RuntimeException e) {
        LOG.warn("{}: could not read the states it published ({}); changes made while it was down may go unseen",
            hostId, e.toString());
        published = null;
      }
      List<Domain> domains;
      try {
        domains = driver.list();
      } catch (HypervisorException e) {
        // The hypervisor is not reachable now: start from what was published; the reconnect's resync
        // publishes whatever differs.
        LOG.warn("{}: cannot list the domains now ({}); starting from the states last published", hostId,
            e.getMessage());
        domains = published == null ? List.of() : published;
        published = null;
      }
      return new Host(next, journal, driver, domains, published);
    } catch (IOException | RuntimeException e) {
      driver.close();
      driver = null;
      throw e;
    }
  }

  private Future<List<Domain>> startProcessor(Host host) {
    epoch = host.epoch();
    bus = new BusWriter(publisher, config.bus().topics(), epoch);
    guard = new DriverGuard(hostId, new DriverGuard.Settings(config.driverTimeout(), config.maxConcurrentDomains(),
        config.driverBreakerWait()), clock);
    processor = new CommandProcessor(hostId, host.driver(), guard, host.journal(), blocking, bus, vertx, clock, ids,
        config.maxConcurrentDomains(), host.domains());
    host.driver().watch(new Observer() {
      @Override
      public void changed(String domainId, java.util.Optional<io.virtflow.agent.domain.Event> hint) {
        processor.observed(domainId, hint);
      }

      @Override
      public void resync() {
        processor.resync();
      }

      @Override
      public void connection(DriverStatus status) {
        LOG.info("{}: driver {}: {}", hostId, status.connected() ? "connected" : "disconnected", status.message());
      }
    });
    return (host.published() == null ? Future.<Void>succeededFuture()
        : processor.publishChangesSince(host.published())).map(v -> host.domains());
  }

  /** Reads every domain again now, and every resync interval: what the driver's events missed is found. */
  private Future<Void> startResync() {
    processor.resync();
    resyncTimer = vertx.setPeriodic(config.resyncInterval().toMillis(), id -> {
      if (!halted && !bus.fenced()) {
        processor.resync();
      }
    });
    return Future.succeededFuture();
  }

  /** The state of every domain it has, so that the compacted state topic converges. */
  private Future<Void> publishStates(List<Domain> domains) {
    List<Future<Void>> published = new ArrayList<>();
    for (Domain d : domains) {
      published.add(processor.publishState(d.id()));
    }
    return Future.all(published).mapEmpty();
  }

  /** From now on, a newer instance of this host on {@code host.status} fences this one at once. */
  private Future<Void> followEpochs() {
    epochWatch.follow(epoch, newer -> fence("agent epoch " + newer + " of host " + hostId
        + " took over (this instance has epoch " + epoch + ")"));
    return Future.succeededFuture();
  }

  /**
   * Called from the epoch watch's thread or the consumer's poll thread, even while the agent's context is
   * blocked: the bus refuses every write and the processor every step from now on, and the consumer leaves
   * the group (what it held and did not finish stays uncommitted, for the newer instance). The rest on the
   * context. Only the first call acts.
   */
  private synchronized void fence(String because) {
    if (fencedBecause != null) {
      return;
    }
    fencedBecause = because;
    bus.fence(because);
    LOG.error("{}: FENCED: {}; this instance stops consuming, applying and publishing", hostId, because);
    OrderedCommitConsumer<Command> taking = consumer;
    if (taking != null) {
      taking.stop();
    }
    context.runOnContext(v -> fenceNow());
  }

  private void fenceNow() {
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(resyncTimer);
    Future<Void> settled = processor == null ? Future.succeededFuture() : processor.halt();
    settled.onComplete(ar -> LOG.info("{}: fenced instance (epoch {}) let go of its commands", hostId, epoch));
  }

  private Future<Void> startConsumer() {
    String group = BusAcls.agentGroup(hostId);
    String instanceId = staticMemberId(config.bus().topics().namespace(), hostId);
    // Static membership: a restarted agent (same host, same namespace) takes its partitions at once instead of
    // waiting out the killed member's session; a still-running older instance is fenced by the broker.
    return blocking.run(() -> new KafkaConsumer<String, byte[]>(
        KafkaSettings.staticGroupConsumer(config.bus().bootstrap(), group, group, instanceId))).compose(kafkaConsumer -> {
          DeadLetters dlq = new DeadLetters(publisher, config.bus().topics().dlq(), group);
          consumer = new OrderedCommitConsumer<>("agent-" + hostId, kafkaConsumer,
              List.of(config.bus().topics().hostCommands(hostId)), context, Codecs.COMMAND::decode,
              (record, command) -> processor.handle(Messages.commandOf(command)), dlq, MAX_IN_FLIGHT)
              .onFailure(e -> {
                if (e instanceof FencedInstanceIdException) {
                  fence("a newer instance of host " + hostId + " took the command partitions (group.instance.id "
                      + instanceId + ")");
                }
              });
          return consumer.start();
        });
  }

  /**
   * The agent's {@code group.instance.id}: one per host and namespace. The group ({@link BusAcls#agentGroup})
   * does not name the namespace, so the instance id does: agents of one host id in two namespaces of one
   * cluster (tests) are two members, not one fencing the other.
   */
  static String staticMemberId(String namespace, String hostId) {
    return namespace + ".agent-" + hostId;
  }

  private Future<Void> startHeartbeat() {
    scheduleHeartbeat();
    return heartbeat(HostState.UP);
  }

  /**
   * One timer at a time, on the agent's context (the work loop): a blocked context sends no heartbeat,
   * and the lateness of the timer is the loop's lag. Real time, not the injected clock: it measures the JVM.
   */
  private void scheduleHeartbeat() {
    long period = config.heartbeatInterval().toMillis();
    long due = System.nanoTime() + period * 1_000_000;
    heartbeatTimer = vertx.setTimer(period, id -> {
      loopLagMs = Math.max(0, (System.nanoTime() - due) / 1_000_000);
      if (halted || bus.fenced()) {
        return;
      }
      heartbeat(HostState.UP).onFailure(e -> LOG.warn("{}: heartbeat not published: {}", hostId, e.toString()));
      scheduleHeartbeat();
    });
  }

  private Future<Void> heartbeat(HostState state) {
    Instant at = now();
    List<Domain> domains = List.copyOf(processor.domains());
    DriverStatus driverStatus = driver.status();
    HostStatus status = HostStatus.newBuilder()
        .setHostId(hostId)
        .setState(state)
        .setAgentEpoch(epoch)
        .setDriver(driver.driverName())
        .setHeartbeatAt(at)
        .setStartedAt(startedAt)
        .setVcpus(driverStatus.vcpus() > 0 ? driverStatus.vcpus() : config.hostVcpus())
        .setMemoryMiB(driverStatus.memoryMiB() > 0 ? driverStatus.memoryMiB() : config.hostMemoryMiB())
        .setMemoryMiBUsed(domains.stream().mapToLong(Domain::memoryMiB).sum())
        .setDomainCount(domains.size())
        .setQueuedCommands(processor.queuedCommands())
        .setHeartbeatIntervalMs(config.heartbeatInterval().toMillis())
        .setDriverBreaker(guard.breakerState())
        .setLoopLagMs(loopLagMs)
        .setDriverConnected(driverStatus.connected())
        .setDriverMessage(driverStatus.message())
        .setDriverFacts(driverStatus.facts())
        .setImages(driverStatus.images())
        .build();
    return bus.heartbeat(status).onSuccess(v -> lastHeartbeat = at);
  }

  private Future<Void> startHealthServer() {
    if (config.healthPort() == 0) {
      return Future.succeededFuture();
    }
    return HealthServer.start(vertx, health, config.healthHost(), config.healthPort())
        .onSuccess(server -> healthServer = server)
        .mapEmpty();
  }

  @Override
  public Future<?> stop() {
    if (halted || fencedBecause != null) {
      return release();
    }
    LOG.info("host agent {} stopping", hostId);
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(resyncTimer);
    return processor.drain()
        .compose(v -> consumer.stop())
        .compose(v -> heartbeat(HostState.DOWN))
        .recover(e -> {
          LOG.warn("{}: unclean stop: {}", hostId, e.toString());
          return Future.succeededFuture();
        })
        .compose(v -> release())
        .onSuccess(v -> LOG.info("host agent {} stopped", hostId));
  }

  /** See {@link HostAgent#crash()}. Callable from any thread: the work happens on the agent's context. */
  Future<Void> haltFromAnyThread() {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> halt().onComplete(done));
    return done.future();
  }

  /** For tests: occupies the agent's context for {@code duration}, as a blocking bug would. */
  void blockContextFor(Duration duration) {
    context.runOnContext(v -> {
      try {
        Thread.sleep(duration.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** For tests: occupies the agent's context until {@code release} opens. */
  void blockContextUntil(java.util.concurrent.CountDownLatch release) {
    context.runOnContext(v -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** Commands handed to this instance by its consumer and not done (read from any thread). */
  int commandsInHand() {
    OrderedCommitConsumer<Command> c = consumer;
    return c == null ? 0 : c.inFlight();
  }

  boolean fenced() {
    return fencedBecause != null;
  }

  long epoch() {
    return epoch;
  }

  private Future<Void> halt() {
    halted = true;
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(resyncTimer);
    Future<Void> settled = processor == null ? Future.succeededFuture() : processor.halt();
    // Unsent records are dropped, as they would be by a crash.
    Future<Void> dropped = publisher == null ? Future.succeededFuture()
        : blocking.run(() -> {
          publisher.producer().close(Duration.ZERO);
          return null;
        });
    if (epochWatch != null) {
      epochWatch.close();
    }
    return Future.join(settled, dropped)
        // As a killed process: the consumer does not leave the group; the next instance takes its place.
        .compose(v -> consumer == null ? Future.succeededFuture() : consumer.stopWithoutLeaving())
        .transform(ar -> Future.succeededFuture());
  }

  /** Gives back whatever start() took, in reverse; never fails. */
  private Future<Void> release() {
    if (epochWatch != null) {
      epochWatch.close();
    }
    Future<Void> server = healthServer == null ? Future.succeededFuture() : healthServer.close();
    return server.transform(ar -> blocking.run(() -> {
      if (publisher != null) {
        publisher.close();
      }
      if (guard != null) {
        guard.close();
      }
      if (driver != null) {
        driver.close();
      }
      if (journal != null) {
        journal.close();
      }
      if (lock != null) {
        lock.close();
      }
      return null;
    })).transform(ar -> {
      if (ar.failed()) {
        LOG.warn("{}: error while closing: {}", hostId, ar.cause().toString());
      }
      blocking.close();
      return Future.<Void>succeededFuture();
    });
  }

  Health health() {
    return health;
  }

  Hypervisor hypervisor() {
    return driver;
  }

  private Health.Check consumerCheck() {
    if (consumer == null) {
      return Health.Check.down("not started");
    }
    if (!consumer.isRunning()) {
      Throwable failure = consumer.failure();
      return Health.Check.down(failure == null ? "stopped" : "failed: " + failure);
    }
    return Health.Check.up(consumer.inFlight() + " command(s) in flight");
  }

  private Health.Check heartbeatCheck() {
    Instant last = lastHeartbeat;
    if (last == null) {
      return Health.Check.down("no heartbeat published yet");
    }
    Duration age = Duration.between(last, clock.instant());
    return age.compareTo(config.heartbeatInterval().multipliedBy(3)) <= 0
        ? Health.Check.up("last heartbeat " + age.toMillis() + " ms ago")
        : Health.Check.down("last heartbeat " + age.toMillis() + " ms ago");
  }

  private Health.Check commandsCheck() {
    if (processor == null) {
      return Health.Check.down("not started");
    }
    var failing = processor.failingCommands();
    if (failing.isEmpty()) {
      return Health.Check.up("no command is failing");
    }
    var first = failing.entrySet().iterator().next();
    return Health.Check.down(failing.size() + " command(s) retrying, e.g. " + first.getKey() + ": " + first.getValue());
  }

  private Health.Check fenceCheck() {
    String because = fencedBecause;
    String watchStopped = epochWatch == null ? null : epochWatch.stoppedBecause();
    if (because == null && watchStopped != null) {
      return Health.Check.down("the epoch watch stopped: " + watchStopped);
    }
    return because == null ? Health.Check.up("epoch " + epoch + " is the newest of host " + hostId)
        : Health.Check.down("fenced: " + because);
  }

  private Health.Check driverCheck() {
    if (driver == null) {
      return Health.Check.down("not open");
    }
    String breaker = guard == null ? "CLOSED" : guard.breakerState();
    DriverStatus status = driver.status();
    if (!status.connected()) {
      return Health.Check.down(driver.driverName() + ": " + status.message());
    }
    return "OPEN".equals(breaker) ? Health.Check.down(driver.driverName() + ": circuit breaker OPEN")
        : Health.Check.up(driver.driverName() + ": circuit breaker " + breaker);
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
