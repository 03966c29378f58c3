package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.virtflow.gateway.kafka.DeadLetterSweep;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.platform.metrics.Metrics;
import io.virtflow.platform.security.BusAcls;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.HostState;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.SnapshotEvent;
import io.virtflow.schema.SnapshotPhase;
import io.virtflow.schema.StateReason;

/**
 * The dead-letter sweep of the five projection topics: random bytes and truncated real records on each are
 * parked in the namespace's dead-letter topic exactly once, with where they came from and why; good
 * records and tombstones are not; neither a restarted gateway nor a second gateway parks one again.
 */
class DeadLetterSweepTest {
  private final Random random = new Random(4);
  private BusConfig bus;
  private KafkaProducer<String, byte[]> producer;
  /** Every bad record sent: "topic/partition/offset". */
  private final List<String> bad = new ArrayList<>();

  @BeforeEach
  void setUp() {
    bus = KafkaFixture.freshBus();
    producer = new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "sweep-test", 10_000));
  }

  @AfterEach
  void tearDown() {
    producer.close();
  }

  @Test
  void badRecordsOnEveryProjectionTopicAreParkedOnceAndGoodOnesAndTombstonesAreNot() {
    try (RunningGateway gw = RunningGateway.start(bus)) {
      for (String topic : DeadLetterSweep.topicsOf(bus.topics())) {
        // One key per topic: one partition, so the last record parked proves every earlier one was examined.
        String key = "k-" + topic;
        send(topic, key, good(topic), false);
        send(topic, key, randomBytes(), true);
        send(topic, key, good(topic), false);
        byte[] real = good(topic);
        send(topic, key, Arrays.copyOf(real, 1 + random.nextInt(real.length - 1)), true);
        send(topic, key, Arrays.copyOf(real, 11), true);
        if (topic.equals(bus.topics().vmEvents())) {
          send(topic, key, null, true); // the event stream calls a null event undecodable
        } else {
          send(topic, key, null, false); // a tombstone, or skipped by every reader as one
        }
        send(topic, key, good(topic), false);
        send(topic, key, randomBytes(), true);
      }
      awaitAllParked();
      assertParkedExactlyOnce(bus.topics().namespace() + "-gateway-dlq-sweep");
      // The projections skipped them, and counted them where /metrics shows it.
      String vmState = bus.topics().vmState();
      await().atMost(Duration.ofSeconds(20)).until(() -> SkippedRecords.skipped(vmState) >= 4);
      assertThat(Metrics.process().scrape()).contains("virtflow_records_skipped_total{topic=\"" + vmState + "\"}");
      var health = gw.gateway.health().report();
      assertThat(health.getJsonObject("checks").getJsonObject("dlqSweep").getString("status")).isEqualTo("UP");
      assertThat(health.getString("status")).isEqualTo("UP");
    }
  }

  @Test
  void aRestartedGatewayDoesNotParkAgainWhatItParkedBefore() {
    try (RunningGateway gw = RunningGateway.start(bus)) {
      for (String topic : DeadLetterSweep.topicsOf(bus.topics())) {
        send(topic, "k", randomBytes(), true);
      }
      awaitAllParked();
    }
    try (RunningGateway again = RunningGateway.start(bus)) {
      // Parked after the restart, behind the old ones on the same partitions: the old ones were passed over.
      for (String topic : DeadLetterSweep.topicsOf(bus.topics())) {
        send(topic, "k", randomBytes(), true);
      }
      awaitAllParked();
      assertParkedExactlyOnce(bus.topics().namespace() + "-gateway-dlq-sweep");
    }
  }

  @Test
  void twoGatewaysShareTheSweepAndParkEachRecordOnce() throws Exception {
    try (RunningGateway one = RunningGateway.start(bus); RunningGateway two = RunningGateway.start(bus)) {
      String group = new BusAcls(bus.topics()).gatewaySweepGroup();
      // Both members hold partitions before anything is sent: no rebalance hands a record over midway.
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        ConsumerGroupDescription g = KafkaFixture.admin().describeConsumerGroups(List.of(group)).all()
            .get(10, TimeUnit.SECONDS).get(group);
        return g.members().size() == 2 && g.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())
            && g.groupState() == GroupState.STABLE;
      });
      ConsumerGroupDescription g = KafkaFixture.admin().describeConsumerGroups(List.of(group)).all()
          .get(10, TimeUnit.SECONDS).get(group);
      assertThat(g.members()).extracting(MemberDescription::clientId).allMatch(c -> c.endsWith("-dlq-sweep"));
      for (String topic : DeadLetterSweep.topicsOf(bus.topics())) {
        // Many keys: records land on every partition, so both members park some.
        for (int i = 0; i < 6; i++) {
          send(topic, "k" + i, randomBytes(), true);
        }
      }
      awaitAllParked();
      assertParkedExactlyOnce(group);
    }
  }

  @Test
  void aGatewayWithTheSweepTurnedOffParksNothing() {
    try (RunningGateway gw = RunningGateway.start(bus, Map.of(GatewayConfig.DLQ_SWEEP, "false"))) {
      send(bus.topics().vmState(), "k", randomBytes(), true);
      assertThat(gw.gateway.health().report().getJsonObject("checks").containsKey("dlqSweep")).isFalse();
      // With the sweep on, a record on the same topic shows the off one had the chance and did not take it.
      try (RunningGateway on = RunningGateway.start(bus)) {
        awaitAllParked();
      }
      assertThat(TopicProbe.readAll(bus.bootstrap(), bus.topics().dlq())).hasSize(1);
    }
  }

  private void awaitAllParked() {
    await().atMost(Duration.ofSeconds(60)).until(() -> parked().keySet().containsAll(bad));
  }

  private void assertParkedExactlyOnce(String consumer) {
    List<ConsumerRecord<String, byte[]>> dead = TopicProbe.readAll(bus.bootstrap(), bus.topics().dlq());
    Map<String, Integer> times = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : dead) {
      times.merge(source(r), 1, Integer::sum);
      assertThat(header(r, DeadLetters.ERROR)).as("reason of %s", source(r)).isNotBlank();
      assertThat(header(r, DeadLetters.CONSUMER)).isEqualTo(consumer);
    }
    assertThat(times.keySet()).containsExactlyInAnyOrderElementsOf(bad);
    assertThat(times.values()).allMatch(n -> n == 1);
    assertThat(dead).hasSize(bad.size());
  }

  private Map<String, ConsumerRecord<String, byte[]>> parked() {
    Map<String, ConsumerRecord<String, byte[]>> out = new HashMap<>();
    TopicProbe.readAll(bus.bootstrap(), bus.topics().dlq()).forEach(r -> out.put(source(r), r));
    return out;
  }

  private static String source(ConsumerRecord<String, byte[]> r) {
    return header(r, DeadLetters.SOURCE_TOPIC) + "/" + header(r, DeadLetters.SOURCE_PARTITION) + "/"
        + header(r, DeadLetters.SOURCE_OFFSET);
  }

  private static String header(ConsumerRecord<String, byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private void send(String topic, String key, byte[] value, boolean poison) {
    try {
      RecordMetadata md = producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
      if (poison) {
        bad.add(topic + "/" + md.partition() + "/" + md.offset());
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] randomBytes() {
    byte[] b = new byte[1 + random.nextInt(200)];
    random.nextBytes(b);
    return b;
  }

  /** A valid record of the topic's type, about a domain and host nobody else uses. */
  private byte[] good(String topic) {
    String domainId = UUID.randomUUID().toString();
    Instant now = Instant.now();
    var t = bus.topics();
    if (topic.equals(t.commandStatus())) {
      return Codecs.COMMAND_STATUS.encode(CommandStatus.newBuilder().setCommandId(UUID.randomUUID().toString())
          .setDomainId(domainId).setHostId("sweep-host").setOperation("Start").setStatus(CommandStatusCode.RUNNING)
          .setAt(now).setPrincipal("sweep").build());
    }
    if (topic.equals(t.vmEvents())) {
      return Codecs.DOMAIN_EVENT.encode(DomainEvent.newBuilder().setEventId(UUID.randomUUID().toString())
          .setDomainId(domainId).setDomainName("sweep-" + domainId.substring(0, 8)).setHostId("sweep-host")
          .setType(EventType.STARTED).setDetail(EventDetail.BOOTED).setState(DomainStateCode.RUNNING)
          .setReason(StateReason.BOOTED).setAt(now).build());
    }
    if (topic.equals(t.vmState())) {
      return Codecs.DOMAIN_STATE.encode(DomainState.newBuilder().setDomainId(domainId)
          .setName("sweep-" + domainId.substring(0, 8)).setHostId("sweep-host").setState(DomainStateCode.SHUTOFF)
          .setReason(StateReason.UNKNOWN).setVcpus(1).setMemoryMiB(64).setDisks(List.of()).setVersion(1)
          .setSnapshotCount(0).setPrincipal("sweep").setUpdatedAt(now).build());
    }
    if (topic.equals(t.hostStatus())) {
      return Codecs.HOST_STATUS.encode(HostStatus.newBuilder().setHostId("sweep-host").setState(HostState.UP).setAgentEpoch(1L)
          .setDriver("test").setHeartbeatAt(now).setStartedAt(now).setVcpus(4).setMemoryMiB(4096)
          .setMemoryMiBUsed(0).setDomainCount(0).setQueuedCommands(0).setHeartbeatIntervalMs(3000).build());
    }
    if (topic.equals(t.snapshotEvents())) {
      return Codecs.SNAPSHOT_EVENT.encode(SnapshotEvent.newBuilder().setEventId(UUID.randomUUID().toString())
          .setDomainId(domainId).setWorkflowId(UUID.randomUUID().toString()).setPhase(SnapshotPhase.FAILED)
          .setAt(now).build());
    }
    throw new IllegalArgumentException(topic);
  }
}
