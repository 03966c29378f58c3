package io.virtflow.agent.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.agent.domain.Boot;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainState;

/**
 * The domains of one host as its agent last published them on the compacted state topic: where the
 * change feed starts from, so that a change made while the agent was down (a guest that powered off, a
 * {@code virsh destroy}) is the difference between this and what the driver has, and is published once.
 */
public final class PublishedStates {
  private static final Logger LOG = LoggerFactory.getLogger(PublishedStates.class);

  private PublishedStates() {
  }

  /** Blocking: reads {@code topic} to its end; the last state of every domain of {@code hostId} not tombstoned. */
  public static List<Domain> read(String bootstrap, String topic, String hostId, Duration timeout) {
    try (Consumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaSettings.reader(bootstrap,
        "virtflow-agent-states-" + hostId))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      Map<String, Domain> last = new HashMap<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          see(last, r, hostId);
        }
      }
      return new ArrayList<>(last.values());
    }
  }

  private static void see(Map<String, Domain> last, ConsumerRecord<String, byte[]> r, String hostId) {
    if (r.key() == null) {
      return;
    }
    if (r.value() == null) {
      last.remove(r.key());
      return;
    }
    DomainState s;
    try {
      s = Codecs.DOMAIN_STATE.decode(r.value());
    } catch (RuntimeException e) {
      LOG.warn("{}: skipping an undecodable state record at {}-{}@{}: {}", hostId, r.topic(), r.partition(),
          r.offset(), e.toString());
      return;
    }
    if (!hostId.equals(s.getHostId())) {
      // Moved to another host (or another host's): not ours to follow any more.
      last.remove(r.key());
      return;
    }
    last.put(r.key(), domainOf(s));
  }

  static Domain domainOf(DomainState s) {
    List<Disk> disks = s.getDisks().stream()
        .map(d -> new Disk(d.getTarget(), d.getSizeGiB(), d.getFormat(), d.getPath(), d.getImage())).toList();
    io.virtflow.schema.Boot b = s.getBoot();
    List<NetInterface> nics = s.getInterfaces().stream().map(n -> new NetInterface(n.getNetwork(), n.getMac())).toList();
    return new Domain(s.getDomainId(), s.getName(), State.valueOf(s.getState().name()),
        Reason.valueOf(s.getReason().name()), s.getVcpus(), s.getMemoryMiB(), disks, s.getGuestAgent(), false,
        Math.max(1, s.getVersion()), s.getPrincipal(), s.getUpdatedAt(), s.getProject(),
        b == null ? null : new Boot(b.getKernel(), b.getInitrd(), b.getCmdline()), nics, s.getGuestAgentConnected());
  }
}
