package io.virtflow.agent;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionFactory;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.HostStatus;

/**
 * One test's view of the bus, as a user of the agent has it: a fresh topic namespace on the shared broker,
 * a producer of commands on the host's topic, and readers of every topic the agent writes.
 */
final class AgentBus implements AutoCloseable {
  private static final Set<CommandStatusCode> TERMINAL = Set.of(CommandStatusCode.SUCCEEDED, CommandStatusCode.FAILED,
      CommandStatusCode.REJECTED, CommandStatusCode.CANCELLED, CommandStatusCode.TIMED_OUT);

  final BusConfig bus;
  final String hostId;
  private final KafkaProducer<String, byte[]> producer;
  private final Tail statuses;
  private final Tail events;
  private final Tail states;
  private final Tail hosts;
  private final Tail dlq;

  AgentBus(String hostId) {
    this.hostId = hostId;
    this.bus = KafkaFixture.freshBus();
    // Every topic before the readers start: a reader that asks for a topic not yet there gets no partitions.
    new TopicAdmin(bus).ensureSharedTopics(KafkaFixture.admin());
    new TopicAdmin(bus).ensureHostTopic(KafkaFixture.admin(), hostId);
    this.producer = new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "test-commands", 10_000));
    this.statuses = new Tail(bus.topics().commandStatus());
    this.events = new Tail(bus.topics().vmEvents());
    this.states = new Tail(bus.topics().vmState());
    this.hosts = new Tail(bus.topics().hostStatus());
    this.dlq = new Tail(bus.topics().dlq());
  }

  /**
   * The agent's environment: this bus, {@code dataDir}, a fast heartbeat, the qcow2 disk backend where
   * qemu-img runs (else memory), plus {@code extra}.
   */
  HostAgentConfig config(Path dataDir, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    env.put(HostAgentConfig.HOST_ID, hostId);
    env.put(HostAgentConfig.DATA_DIR, dataDir.toString());
    env.put(HostAgentConfig.HEARTBEAT_MS, "200");
    env.put(HostAgentConfig.SIM_DISK_BACKEND, Qemu.backendForLifecycleTests());
    env.put(BusConfig.BOOTSTRAP, bus.bootstrap());
    env.put(BusConfig.NAMESPACE, bus.topics().namespace());
    env.put(BusConfig.PARTITIONS, Integer.toString(bus.partitions()));
    env.putAll(extra);
    return HostAgentConfig.from(env);
  }

  static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20));
  }

  void send(Command... commands) {
    for (Command c : commands) {
      sendRaw(c.getDomainId(), Codecs.COMMAND.encode(c));
    }
  }

  void sendRaw(String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(bus.topics().hostCommands(hostId), key, value)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot send a command", e);
    }
  }

  // ---- what the agent said -----------------------------------------------------------------------

  List<CommandStatus> statuses(String commandId) {
    return statuses.values(Codecs.COMMAND_STATUS::decode).stream()
        .filter(s -> s.getCommandId().equals(commandId)).toList();
  }

  /** Waits for the command's first terminal status and returns it. */
  CommandStatus terminal(String commandId) {
    eventually().until(() -> statuses(commandId).stream().anyMatch(s -> TERMINAL.contains(s.getStatus())));
    return statuses(commandId).stream().filter(s -> TERMINAL.contains(s.getStatus())).findFirst().orElseThrow();
  }

  /** Sends the command and waits for its first terminal status. */
  CommandStatus terminalOf(Command command) {
    send(command);
    return terminal(command.getCommandId());
  }

  static boolean isTerminal(CommandStatus status) {
    return TERMINAL.contains(status.getStatus());
  }

  List<DomainEvent> events(String domainId) {
    return events.values(Codecs.DOMAIN_EVENT::decode).stream().filter(e -> e.getDomainId().equals(domainId)).toList();
  }

  List<DomainEvent> eventsOf(String commandId) {
    return events.values(Codecs.DOMAIN_EVENT::decode).stream()
        .filter(e -> commandId.equals(e.getCommandId())).toList();
  }

  /** Every record of the domain on the state topic, oldest first; a tombstone is null. */
  List<DomainState> states(String domainId) {
    List<DomainState> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : states.records()) {
      if (domainId.equals(r.key())) {
        out.add(r.value() == null ? null : Codecs.DOMAIN_STATE.decode(r.value()));
      }
    }
    return out;
  }

  List<HostStatus> heartbeats() {
    return hosts.values(Codecs.HOST_STATUS::decode).stream().filter(h -> h.getHostId().equals(hostId)).toList();
  }

  List<ConsumerRecord<String, byte[]>> deadLetters() {
    return dlq.records();
  }

  /** Record timestamps, for the order of writes to different topics. */
  List<ConsumerRecord<String, byte[]>> statusRecords() {
    return statuses.records();
  }

  List<ConsumerRecord<String, byte[]>> eventRecords() {
    return events.records();
  }

  List<ConsumerRecord<String, byte[]>> stateRecords() {
    return states.records();
  }

  List<ConsumerRecord<String, byte[]>> heartbeatRecords() {
    return hosts.records();
  }

  static String header(ConsumerRecord<String, byte[]> record, String name) {
    var h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(2));
    List<Tail> tails = List.of(statuses, events, states, hosts, dlq);
    tails.forEach(Tail::stop);
    tails.forEach(Tail::close);
  }

  /** Reads one topic from the beginning, for as long as the test runs. */
  private static final class Tail implements AutoCloseable {
    private final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    Tail(String topic) {
      thread = new Thread(() -> run(topic), "tail-" + topic);
      thread.setDaemon(true);
      thread.start();
    }

    private void run(String topic) {
      try (var consumer = new KafkaConsumer<String, byte[]>(
          KafkaSettings.reader(KafkaFixture.bootstrap(), "tail-" + topic))) {
        // A topic just created may not be in this client's metadata yet: ask until it is.
        List<TopicPartition> partitions = List.of();
        while (running && partitions.isEmpty()) {
          partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
              .toList();
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        while (running) {
          consumer.poll(Duration.ofMillis(20)).forEach(records::add);
        }
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
      }
    }

    List<ConsumerRecord<String, byte[]>> records() {
      return List.copyOf(records);
    }

    <T> List<T> values(Function<byte[], T> decode) {
      return records.stream().filter(r -> r.value() != null).map(r -> decode.apply(r.value())).toList();
    }

    void stop() {
      running = false;
    }

    @Override
    public void close() {
      running = false;
      try {
        thread.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
