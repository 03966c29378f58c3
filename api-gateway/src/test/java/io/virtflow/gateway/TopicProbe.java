package io.virtflow.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import io.virtflow.platform.kafka.KafkaSettings;

/** TEST FIXTURE — reads what is on a topic right now, from its beginning to its current end. */
final class TopicProbe {
  private TopicProbe() {
  }

  static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSettings.reader(bootstrap, "probe"))) {
      var infos = c.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos == null || infos.isEmpty()) {
        return out;
      }
      List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> ends = c.endOffsets(parts);
      long until = System.currentTimeMillis() + 15_000;
      while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
        if (System.currentTimeMillis() > until) {
          throw new IllegalStateException("could not read " + topic + " to its end");
        }
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    out.sort(java.util.Comparator.comparingInt((ConsumerRecord<String, byte[]> r) -> r.partition())
        .thenComparingLong(ConsumerRecord::offset));
    return out;
  }

  /** How many records a topic holds; 0 when it does not exist. */
  static long count(String bootstrap, String topic) {
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSettings.reader(bootstrap, "probe"))) {
      boolean exists = c.listTopics(Duration.ofSeconds(10)).containsKey(topic);
      if (!exists) {
        return 0;
      }
      List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      Map<TopicPartition, Long> ends = c.endOffsets(parts);
      Map<TopicPartition, Long> begins = c.beginningOffsets(parts);
      return parts.stream().mapToLong(tp -> ends.get(tp) - begins.get(tp)).sum();
    }
  }
}
