package io.virtflow.agent.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.HostState;
import io.virtflow.schema.HostStatus;

/** The epoch watch on the real broker: what it skips is counted, and a watch that dies says so. */
class EpochWatchTest {
  private final BusConfig bus = KafkaFixture.freshBus(1);
  private final String hostId = "h-" + UUID.randomUUID().toString().substring(0, 8);
  private EpochWatch watch;

  @AfterEach
  void close() {
    if (watch != null) {
      watch.close();
    }
  }

  @Test
  void anUndecodableHeartbeatIsCountedAsSkipped() throws Exception {
    String topic = bus.topics().hostStatus();
    write(hostId, new byte[] {1, 2, 3});
    write(hostId, Codecs.HOST_STATUS.encode(status(7)));
    double before = SkippedRecords.skipped(topic);

    watch = new EpochWatch(bus, hostId);

    assertThat(watch.highestEpoch(Duration.ofSeconds(30))).isEqualTo(7);
    assertThat(SkippedRecords.skipped(topic) - before).isEqualTo(1.0);
  }

  @Test
  void aWatchThatDiesSaysWhy() throws Exception {
    watch = new EpochWatch(bus, hostId);
    watch.highestEpoch(Duration.ofSeconds(30));
    watch.follow(1, epoch -> {
      throw new IllegalStateException("the fence hook failed at epoch " + epoch);
    });
    assertThat(watch.stoppedBecause()).isNull();

    write(hostId, Codecs.HOST_STATUS.encode(status(2)));

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(watch.stoppedBecause()).contains("the fence hook failed at epoch 2"));
  }

  @Test
  void aClosedWatchHasNotStoppedOnItsOwn() {
    watch = new EpochWatch(bus, hostId);
    watch.highestEpoch(Duration.ofSeconds(30));
    watch.follow(1, epoch -> { });

    watch.close();

    assertThat(watch.stoppedBecause()).isNull();
  }

  private HostStatus status(long epoch) {
    return HostStatus.newBuilder().setHostId(hostId).setState(HostState.UP).setAgentEpoch(epoch).setDriver("test")
        .setHeartbeatAt(Instant.now()).setStartedAt(Instant.now()).setVcpus(1).setMemoryMiB(1).setMemoryMiBUsed(0)
        .setDomainCount(0).setQueuedCommands(0).setHeartbeatIntervalMs(3000).setImages(List.of())
        .setDriverConnected(true).setDriverMessage("").setDriverFacts(Map.of()).build();
  }

  private void write(String key, byte[] value) throws Exception {
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaSettings.producer(bus, "epoch-watch-test", 10_000))) {
      p.send(new ProducerRecord<>(bus.topics().hostStatus(), key, value)).get();
    }
  }
}
