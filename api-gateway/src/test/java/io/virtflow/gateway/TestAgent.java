package io.virtflow.gateway;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.HostState;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.NetInterface;
import io.virtflow.schema.StateReason;

/**
 * TEST FIXTURE — plays a host agent's part over the real broker, so that gateway tests do not depend on
 * the host-agent module: it reads its host's command topic, and publishes what an agent would
 * (statuses, domain states, events, heartbeats) when a test tells it to, or at once in
 * {@link #autoComplete(boolean) auto-complete} mode.
 */
final class TestAgent implements AutoCloseable {
  final String hostId;
  private final BusConfig bus;
  private final Producer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final List<Command> received = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-agent-heartbeat");
    t.setDaemon(true);
    return t;
  });
  private final AtomicReference<ScheduledFuture<?>> heartbeats = new AtomicReference<>();
  private final Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  private volatile boolean running = true;
  private volatile boolean autoComplete;
  private volatile java.util.function.Consumer<Command> responder;
  private volatile long memoryMiB = 65_536;
  private volatile long memoryMiBUsed;
  private volatile int domainCount;
  private volatile long epoch = 1;
  private volatile List<String> images = List.of();
  private volatile boolean driverConnected = true;
  private volatile String driverMessage;
  private volatile Map<String, String> driverFacts = Map.of();

  private TestAgent(BusConfig bus, String hostId) {
    this.bus = bus;
    this.hostId = hostId;
    this.producer = new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "test-agent-" + hostId, 10_000));
    this.consumer = new KafkaConsumer<>(KafkaSettings.reader(bus.bootstrap(), "test-agent-" + hostId));
    this.thread = new Thread(this::consume, "test-agent-" + hostId);
    this.thread.setDaemon(true);
  }

  /** An agent for {@code hostId}: its command topic is created; no heartbeat is sent yet. */
  static TestAgent start(BusConfig bus, Admin admin, String hostId) {
    new TopicAdmin(bus).ensureHostTopic(admin, hostId);
    TestAgent agent = new TestAgent(bus, hostId);
    String topic = bus.topics().hostCommands(hostId);
    AtomicReference<List<TopicPartition>> found = new AtomicReference<>();
    // A topic just created may not be in the metadata yet.
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      found.set(agent.consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList());
      return !found.get().isEmpty();
    });
    List<TopicPartition> parts = found.get();
    agent.consumer.assign(parts);
    agent.consumer.seekToBeginning(parts);
    parts.forEach(agent.consumer::position);
    agent.thread.start();
    return agent;
  }

  TestAgent capacity(long memoryMiB, long memoryMiBUsed) {
    this.memoryMiB = memoryMiB;
    this.memoryMiBUsed = memoryMiBUsed;
    return this;
  }

  TestAgent epoch(long epoch) {
    this.epoch = epoch;
    return this;
  }

  /** The files of its image directory, as its next heartbeats list them. */
  TestAgent images(String... names) {
    this.images = List.of(names);
    return this;
  }

  /** What its next heartbeats say of the hypervisor driver. */
  TestAgent driver(boolean connected, String message, Map<String, String> facts) {
    this.driverConnected = connected;
    this.driverMessage = message;
    this.driverFacts = Map.copyOf(facts);
    return this;
  }

  TestAgent autoComplete(boolean on) {
    this.autoComplete = on;
    return this;
  }

  /** Answers every command it reads with {@code r} (on its reading thread), instead of auto-complete. */
  TestAgent respondWith(java.util.function.Consumer<Command> r) {
    this.responder = r;
    return this;
  }

  /** One UP heartbeat, now. */
  TestAgent heartbeat() {
    sendHeartbeat(HostState.UP, Instant.now());
    return this;
  }

  TestAgent heartbeatAt(Instant at) {
    sendHeartbeat(HostState.UP, at);
    return this;
  }

  TestAgent heartbeatEvery(Duration interval) {
    ScheduledFuture<?> f = timer.scheduleAtFixedRate(() -> sendHeartbeat(HostState.UP, Instant.now()), 0,
        interval.toMillis(), TimeUnit.MILLISECONDS);
    ScheduledFuture<?> old = heartbeats.getAndSet(f);
    if (old != null) {
      old.cancel(false);
    }
    return this;
  }

  void stopHeartbeats() {
    ScheduledFuture<?> f = heartbeats.getAndSet(null);
    if (f != null) {
      f.cancel(false);
    }
  }

  /** What an agent says once when it stops cleanly. */
  void sayDown() {
    stopHeartbeats();
    sendHeartbeat(HostState.DOWN, Instant.now());
  }

  private void sendHeartbeat(HostState state, Instant at) {
    HostStatus h = HostStatus.newBuilder().setHostId(hostId).setState(state).setAgentEpoch(epoch).setDriver("test")
        .setHeartbeatAt(at).setStartedAt(startedAt).setVcpus(64).setMemoryMiB(memoryMiB)
        .setMemoryMiBUsed(memoryMiBUsed).setDomainCount(domainCount).setQueuedCommands(0)
        .setHeartbeatIntervalMs(3000).setImages(images).setDriverConnected(driverConnected)
        .setDriverMessage(driverMessage).setDriverFacts(driverFacts).build();
    send(bus.topics().hostStatus(), hostId, Codecs.HOST_STATUS.encode(h));
  }

  List<Command> commands() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  Command awaitCommand(Predicate<Command> which) {
    AtomicReference<Command> found = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      Optional<Command> c = commands().stream().filter(which).findFirst();
      c.ifPresent(found::set);
      return c.isPresent();
    });
    return found.get();
  }

  Command awaitCommand(String commandId) {
    return awaitCommand(c -> c.getCommandId().equals(commandId));
  }

  /** A status of {@code c}, copying what an agent copies from the command. */
  void status(Command c, CommandStatusCode code) {
    status(c, code, null, null, null);
  }

  void status(Command c, CommandStatusCode code, ErrorCode error, String message, DomainStateCode state) {
    status(c, code, error, message, state, Instant.now());
  }

  void status(Command c, CommandStatusCode code, ErrorCode error, String message, DomainStateCode state, Instant at) {
    CommandStatus s = CommandStatus.newBuilder().setCommandId(c.getCommandId()).setDomainId(c.getDomainId())
        .setHostId(c.getHostId()).setOperation(c.getPayload().getClass().getSimpleName()).setStatus(code)
        .setCode(error).setMessage(message).setDomainState(state).setAt(at).setPrincipal(c.getPrincipal())
        .setIdempotencyKey(c.getIdempotencyKey()).setRequestHash(c.getRequestHash()).build();
    send(bus.topics().commandStatus(), c.getCommandId(), Codecs.COMMAND_STATUS.encode(s));
  }

  /** A terminal status that carries a result (a console log, a report), as an agent that answers with data. */
  void result(Command c, CommandStatusCode code, ErrorCode error, String message, String result) {
    CommandStatus s = CommandStatus.newBuilder().setCommandId(c.getCommandId()).setDomainId(c.getDomainId())
        .setHostId(c.getHostId()).setOperation(c.getPayload().getClass().getSimpleName()).setStatus(code)
        .setCode(error).setMessage(message).setAt(Instant.now()).setPrincipal(c.getPrincipal())
        .setIdempotencyKey(c.getIdempotencyKey()).setRequestHash(c.getRequestHash()).setResult(result).build();
    send(bus.topics().commandStatus(), c.getCommandId(), Codecs.COMMAND_STATUS.encode(s));
  }

  /** Publishes a domain's full state as given. */
  void state(DomainState s) {
    send(bus.topics().vmState(), s.getDomainId(), Codecs.DOMAIN_STATE.encode(s));
  }

  /** Publishes a domain's full state, as an agent does after every change. */
  void state(String domainId, String name, DomainStateCode state, long version) {
    state(domainId, name, state, version, null);
  }

  /** A state that names the domain's project, as an agent that copies {@code Command.project} publishes it. */
  void state(String domainId, String name, DomainStateCode state, long version, String project) {
    state(stateOf(domainId, name, state, version, project).build());
  }

  /** The state {@link #state(String, String, DomainStateCode, long, String)} publishes, to add to. */
  DomainState.Builder stateOf(String domainId, String name, DomainStateCode state, long version, String project) {
    return DomainState.newBuilder().setProject(project).setDomainId(domainId).setName(name).setHostId(hostId)
        .setState(state).setReason(state == DomainStateCode.RUNNING ? StateReason.BOOTED : StateReason.UNKNOWN)
        .setVcpus(2).setMemoryMiB(1024).setDisks(List.of(io.virtflow.schema.Disk.newBuilder().setTarget("vda")
            .setSizeGiB(10).setFormat("qcow2").setPath("/pool/" + name + "-vda.qcow2").build()))
        .setVersion(version).setSnapshotCount(0).setPrincipal("anonymous").setUpdatedAt(Instant.now());
  }

  /** A domain known to the projections: its state is published and the test waits for nothing. */
  String existingDomain(String name) {
    String id = UUID.randomUUID().toString();
    state(id, name, DomainStateCode.SHUTOFF, 1);
    return id;
  }

  void tombstone(String domainId) {
    send(bus.topics().vmState(), domainId, null);
  }

  void event(String domainId, String name, EventType type, EventDetail detail, DomainStateCode state) {
    event(domainId, name, type, detail, state, StateReason.UNKNOWN, null);
  }

  /** An event with the state's reason, caused by {@code commandId} (null: nobody asked for it). */
  void event(String domainId, String name, EventType type, EventDetail detail, DomainStateCode state,
      StateReason reason, String commandId) {
    DomainEvent e = DomainEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setDomainId(domainId)
        .setDomainName(name).setHostId(hostId).setType(type).setDetail(detail).setState(state)
        .setReason(reason).setAt(Instant.now()).setCommandId(commandId).build();
    send(bus.topics().vmEvents(), domainId, Codecs.DOMAIN_EVENT.encode(e));
  }

  void send(String topic, String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("test agent could not write to " + topic, e);
    }
  }

  private void consume() {
    try {
      while (running) {
        for (var rec : consumer.poll(Duration.ofMillis(100))) {
          Command c = Codecs.COMMAND.decode(rec.value());
          synchronized (received) {
            received.add(c);
          }
          java.util.function.Consumer<Command> r = responder;
          if (r != null) {
            r.accept(c);
          } else if (autoComplete) {
            complete(c);
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  /**
   * What a healthy agent does with a command: RUNNING, the new state, SUCCEEDED. A defined domain's state
   * keeps its boot, guest agent and interfaces, each interface with a MAC (the one asked for, or one chosen).
   */
  private void complete(Command c) {
    status(c, CommandStatusCode.RUNNING);
    if (c.getPayload() instanceof Define d) {
      memoryMiBUsed += d.getMemoryMiB();
      domainCount++;
      List<NetInterface> nics = new ArrayList<>();
      for (int i = 0; i < d.getInterfaces().size(); i++) {
        NetInterface n = d.getInterfaces().get(i);
        nics.add(NetInterface.newBuilder(n).setMac(n.getMac() != null ? n.getMac()
            : String.format("52:54:00:%02x:%02x:%02x", domainCount & 0xff, 0x42, i)).build());
      }
      state(stateOf(c.getDomainId(), d.getName(), DomainStateCode.SHUTOFF, 1, null).setBoot(d.getBoot())
          .setGuestAgent(d.getGuestAgent()).setInterfaces(nics).build());
      status(c, CommandStatusCode.SUCCEEDED, null, null, DomainStateCode.SHUTOFF);
    } else {
      status(c, CommandStatusCode.SUCCEEDED);
    }
  }

  @Override
  public void close() {
    stopHeartbeats();
    timer.shutdownNow();
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
