package io.virtflow.agent.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.SkippedRecords;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.HostStatus;

/**
 * Reads the compacted {@code host.status} topic for one host id, on its own thread (not the agent's
 * context: a frozen work loop must still learn that it was replaced). At start it finds the highest
 * epoch any instance of this host published ({@link #highestEpoch}); then it follows the topic and calls
 * {@code onNewer} once, from its thread, when an instance with a higher epoch than ours shows up.
 *
 * <p>If the thread stops for any other reason than {@link #close()} or a newer epoch, {@link #stoppedBecause()}
 * says why (the agent's {@code fence} health check turns DOWN on it). Undecodable heartbeats are skipped and
 * counted like every other reader's ({@link SkippedRecords}).
 */
public final class EpochWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EpochWatch.class);

  private final String hostId;
  private final String topic;
  private final Consumer<String, byte[]> consumer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private Thread thread;
  private long highest;
  private volatile String stoppedBecause;

  public EpochWatch(BusConfig bus, String hostId) {
    this.hostId = hostId;
    this.topic = bus.topics().hostStatus();
    this.consumer = new KafkaConsumer<>(KafkaSettings.reader(bus, "virtflow-agent-epoch-" + hostId));
  }

  /** Why the watch stopped following the topic on its own (an error), or null while it runs or was closed. */
  public String stoppedBecause() {
    return stoppedBecause;
  }

  /** Blocking: reads the topic up to its current end and returns the highest epoch of this host (0 if none). */
  public long highestEpoch(Duration timeout) {
    List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!readUpTo(end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
      }
      consumer.poll(Duration.ofMillis(100)).forEach(this::see);
    }
    return highest;
  }

  private boolean readUpTo(Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  /** Follows the topic from where {@link #highestEpoch} stopped; {@code onNewer} gets the first epoch above {@code own}. */
  public void follow(long own, LongConsumer onNewer) {
    thread = new Thread(() -> {
      try {
        while (running.get()) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            see(r);
          }
          if (highest > own) {
            LOG.warn("{}: an agent with epoch {} took over this host (ours is {})", hostId, highest, own);
            onNewer.accept(highest);
            return;
          }
        }
      } catch (WakeupException e) {
        // close() woke the poll up
      } catch (RuntimeException e) {
        stoppedBecause = e.toString();
        LOG.error("{}: the epoch watch stopped: {}", hostId, e.toString());
      }
    }, "virtflow-epoch-" + hostId);
    thread.setDaemon(true);
    thread.start();
  }

  private void see(ConsumerRecord<String, byte[]> r) {
    if (!hostId.equals(r.key()) || r.value() == null) {
      return;
    }
    try {
      HostStatus status = Codecs.HOST_STATUS.decode(r.value());
      if (hostId.equals(status.getHostId())) {
        highest = Math.max(highest, status.getAgentEpoch());
      }
    } catch (RuntimeException e) {
      // Not ours to dead-letter: the gateway reads this topic too. An unreadable heartbeat names no epoch.
      SkippedRecords.skip(LOG, "epoch watch of " + hostId, r, e.toString());
    }
  }

  @Override
  public void close() {
    if (!running.getAndSet(false)) {
      return;
    }
    consumer.wakeup();
    if (thread != null && thread != Thread.currentThread()) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // The thread closed nothing: the consumer is closed here, by whoever stops the agent.
    }
    try {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
    } catch (RuntimeException e) {
      LOG.debug("{}: closing the epoch watch: {}", hostId, e.toString());
    }
  }
}
