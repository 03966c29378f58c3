package io.virtflow.agent;

import static io.virtflow.agent.AgentBus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Vertx;
import io.virtflow.agent.domain.Domain;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;

/**
 * Project on the agent, and fencing: a second instance of a host (same host id, another data directory)
 * takes a higher epoch, and the first one stops consuming, applying and publishing at once.
 */
class HostAgentFencingTest {
  // One Vert.x per instance: two agents on one event loop would block each other in the frozen-loop test.
  private static Vertx vertxA;
  private static Vertx vertxB;

  @TempDir
  Path dataDirA;
  @TempDir
  Path dataDirB;

  private AgentBus bus;
  private Commands commands;
  private final List<HostAgent> agents = new ArrayList<>();
  private final CountDownLatch unfreeze = new CountDownLatch(1);

  @BeforeAll
  static void vertx() {
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertxA.close().await();
    vertxB.close().await();
  }

  @BeforeEach
  void bus() {
    String hostId = "h-" + UUID.randomUUID().toString().substring(0, 8);
    bus = new AgentBus(hostId);
    commands = new Commands(hostId);
  }

  @AfterEach
  void stop() {
    unfreeze.countDown();
    agents.forEach(a -> a.stop().await());
    bus.close();
  }

  private HostAgent start(Vertx vertx, Path dataDir) {
    HostAgent agent = HostAgent.start(vertx, bus.config(dataDir, Map.of()), Clock.systemUTC(), UUID::randomUUID)
        .await();
    agents.add(agent);
    return agent;
  }

  private static Command inProject(Command command, String project) {
    return Command.newBuilder(command).setProject(project).build();
  }

  // ---- project --------------------------------------------------------------------------------------

  @Test
  void theDomainsProjectIsKeptAndPublishedAcrossARestart() {
    HostAgent first = start(vertxA, dataDirA);
    String d = Commands.newDomainId();
    Command define = inProject(commands.define(d, "web1"), "blue");
    assertThat(bus.terminalOf(define).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    // A later command names no project: the domain keeps the one it was defined in.
    assertThat(bus.terminalOf(commands.start(d)).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);

    eventually().until(() -> bus.states(d).size() >= 2);
    assertThat(bus.states(d)).isNotEmpty().allSatisfy(s -> assertThat(s.getProject()).isEqualTo("blue"));
    assertThat(bus.statuses(define.getCommandId())).allSatisfy(s -> assertThat(s.getProject()).isEqualTo("blue"));

    first.stop().await();
    int before = bus.states(d).size();
    start(vertxA, dataDirA);
    eventually().until(() -> bus.states(d).size() > before);
    DomainState republished = bus.states(d).get(bus.states(d).size() - 1);
    assertThat(republished.getProject()).isEqualTo("blue");
    assertThat(republished.getAgentEpoch()).isEqualTo(2L);
  }

  @Test
  void aDomainDefinedWithoutAProjectHasNone() {
    start(vertxA, dataDirA);
    String d = Commands.newDomainId();
    assertThat(bus.terminalOf(commands.define(d, "web1")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);
    eventually().until(() -> !bus.states(d).isEmpty());
    assertThat(bus.states(d)).allSatisfy(s -> assertThat(s.getProject()).isNull());
  }

  // ---- fencing --------------------------------------------------------------------------------------

  @Test
  void everyRecordCarriesTheAgentsEpoch() {
    HostAgent agent = start(vertxA, dataDirA);
    String d = Commands.newDomainId();
    Command define = commands.define(d, "web1");
    bus.terminalOf(define);
    assertThat(bus.statuses(define.getCommandId())).allSatisfy(s -> assertThat(s.getAgentEpoch())
        .isEqualTo(agent.epoch()));
    eventually().until(() -> !bus.events(d).isEmpty() && !bus.states(d).isEmpty());
    assertThat(bus.events(d)).isNotEmpty().allSatisfy(e -> assertThat(e.getAgentEpoch()).isEqualTo(agent.epoch()));
    assertThat(bus.states(d)).isNotEmpty().allSatisfy(s -> assertThat(s.getAgentEpoch()).isEqualTo(agent.epoch()));
  }

  @Test
  void aSecondInstanceOfTheHostFencesTheFirstWhichThenAppliesAndPublishesNothing() {
    HostAgent a = start(vertxA, dataDirA);
    String first = Commands.newDomainId();
    assertThat(bus.terminalOf(commands.define(first, "before")).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);

    Mark atStartOfB = mark();
    // Another data directory: its local epoch file says nothing; the epoch comes from host.status.
    HostAgent b = start(vertxB, dataDirB);
    assertThat(b.epoch()).isEqualTo(a.epoch() + 1);
    eventually().until(a::fenced);
    assertThat(a.health().isUp()).isFalse();
    assertThat(a.health().report().encode()).contains("fenced: agent epoch " + b.epoch());
    Mark fenced = mark();

    List<Command> sent = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String d = Commands.newDomainId();
      sent.add(commands.define(d, "vm" + i));
      sent.add(commands.start(d));
    }
    bus.send(sent.toArray(Command[]::new));
    for (Command c : sent) {
      CommandStatus terminal = bus.terminal(c.getCommandId());
      assertThat(terminal.getStatus()).as(c.getCommandId()).isEqualTo(CommandStatusCode.SUCCEEDED);
      assertThat(bus.statuses(c.getCommandId())).allSatisfy(s -> assertThat(s.getAgentEpoch()).isEqualTo(b.epoch()));
      eventually().untilAsserted(() -> assertThat(bus.eventsOf(c.getCommandId())).hasSize(1)
          .allSatisfy(e -> assertThat(e.getAgentEpoch()).isEqualTo(b.epoch())));
    }
    // A keeps its one domain and applied none of the new commands; it published nothing once fenced,
    // and between B's start and the fence at most heartbeats (no command was in flight).
    assertThat(a.hypervisor().list()).extracting(Domain::id).containsExactly(first);
    assertThat(b.hypervisor().list()).hasSize(5);
    long fromAAfterFence = published(fenced, a.epoch()).total();
    Counts fromAAfterStartOfB = published(atStartOfB, a.epoch());
    System.out.printf("fencing: sent=%d (all applied by B), records of A after the fence=%d, command records of A "
        + "after B started=%d, heartbeats of A after B started=%d%n", sent.size(), fromAAfterFence, fromAAfterStartOfB.commandRecords(), fromAAfterStartOfB.heartbeats());
    assertThat(fromAAfterFence).isZero();
    assertThat(fromAAfterStartOfB.commandRecords()).isZero();
  }

  @Test
  void aFrozenInstanceThatResumesAfterBeingReplacedDoesNotApplyTheCommandItHeld() {
    HostAgent a = start(vertxA, dataDirA);
    a.blockWorkLoopUntil(unfreeze);
    String d = Commands.newDomainId();
    Command held = commands.define(d, "held");
    bus.send(held);
    // A's consumer took the command and handed it to A's frozen loop.
    eventually().until(() -> a.commandsInHand() == 1);
    Mark atStartOfB = mark();

    HostAgent b = start(vertxB, dataDirB);
    eventually().until(a::fenced);
    // B gets the partition (A never committed the command) and applies it.
    assertThat(bus.terminal(held.getCommandId()).getStatus()).isEqualTo(CommandStatusCode.SUCCEEDED);

    unfreeze.countDown();
    // A's loop runs again, with the command still in hand: it drops it.
    eventually().until(() -> a.commandsInHand() == 0);

    assertThat(a.hypervisor().list()).isEmpty();
    assertThat(b.hypervisor().list()).extracting(Domain::id).containsExactly(d);
    // The test's tail of vm.events reads apart from its tail of command.status: it may lag behind.
    eventually().untilAsserted(() -> assertThat(bus.eventsOf(held.getCommandId())).hasSize(1)
        .allSatisfy(e -> assertThat(e.getAgentEpoch()).isEqualTo(b.epoch())));
    assertThat(bus.statuses(held.getCommandId())).allSatisfy(s -> assertThat(s.getAgentEpoch()).isEqualTo(b.epoch()));
    Counts fromA = published(atStartOfB, a.epoch());
    System.out.printf("frozen instance: command records of A after B started=%d, heartbeats=%d%n",
        fromA.commandRecords(), fromA.heartbeats());
    assertThat(fromA.total()).isZero();
  }

  // ---- counting what an instance published ------------------------------------------------------------

  /** The end offset of every partition of the topics the agent writes, at one moment. */
  private record Mark(Map<TopicPartition, Long> ends) {
    boolean after(ConsumerRecord<String, byte[]> r) {
      return r.offset() >= ends.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L);
    }
  }

  private record Counts(long commandRecords, long heartbeats) {
    long total() {
      return commandRecords + heartbeats;
    }
  }

  private Mark mark() {
    var topics = bus.bus.topics();
    try (var consumer = new KafkaConsumer<String, byte[]>(KafkaSettings.reader(KafkaFixture.bootstrap(), "mark"))) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String t : List.of(topics.commandStatus(), topics.vmEvents(), topics.vmState(), topics.hostStatus())) {
        consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
      }
      return new Mark(Map.copyOf(consumer.endOffsets(partitions)));
    }
  }

  /**
   * Records with {@code epoch} written after {@code mark}. Waits until the tails have read up to now
   * first: a tail lags behind the broker.
   */
  private Counts published(Mark mark, long epoch) {
    Mark now = mark();
    eventually().until(() -> readUpTo(now));
    long statuses = bus.statusRecords().stream().filter(mark::after)
        .map(r -> Codecs.COMMAND_STATUS.decode(r.value())).filter(s -> Long.valueOf(epoch).equals(s.getAgentEpoch()))
        .count();
    long events = bus.eventRecords().stream().filter(mark::after)
        .map(r -> Codecs.DOMAIN_EVENT.decode(r.value())).map(DomainEvent::getAgentEpoch)
        .filter(e -> Long.valueOf(epoch).equals(e)).count();
    long states = bus.stateRecords().stream().filter(mark::after).filter(r -> r.value() != null)
        .map(r -> Codecs.DOMAIN_STATE.decode(r.value())).map(DomainState::getAgentEpoch)
        .filter(e -> Long.valueOf(epoch).equals(e)).count();
    long beats = bus.heartbeatRecords().stream().filter(mark::after)
        .map(r -> Codecs.HOST_STATUS.decode(r.value())).filter(h -> h.getAgentEpoch() == epoch).count();
    return new Counts(statuses + events + states, beats);
  }

  private boolean readUpTo(Mark now) {
    List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
    seen.addAll(bus.statusRecords());
    seen.addAll(bus.eventRecords());
    seen.addAll(bus.stateRecords());
    seen.addAll(bus.heartbeatRecords());
    Map<TopicPartition, Long> next = new java.util.HashMap<>();
    for (ConsumerRecord<String, byte[]> r : seen) {
      next.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
    }
    return now.ends().entrySet().stream().allMatch(e -> e.getValue() == 0
        || next.getOrDefault(e.getKey(), 0L) >= e.getValue());
  }
}
