package io.virtflow.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.schema.Topics;

/** A broker of its own (not the shared fixture): this test stops and restarts it. */
class EmbeddedKafkaTest {

  @Test
  void restartedOnTheSameLogDirItKeepsTopicsRecordsAndRetentionRules(@TempDir Path dir) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("log"), 0);
    try {
      writeThenRestart(kafka);
    } finally {
      // A broker whose log dir vanishes (TempDir clean-up) halts the JVM: always stop it first.
      kafka.close();
    }
  }

  private void writeThenRestart(EmbeddedKafka kafka) throws Exception {
    BusConfig bus = new BusConfig(kafka.bootstrapServers(), Topics.production(), 2, (short) 1, 1);
    try (Admin admin = Admin.create(KafkaSettings.admin(kafka.bootstrapServers(), "t"))) {
      new TopicAdmin(bus).ensureSharedTopics(admin);
      new TopicAdmin(bus).ensureHostTopic(admin, "h1");
      new TopicAdmin(bus).ensureSharedTopics(admin); // twice: nothing to do, no error
      // Topic metadata reaches the broker's cache a moment after the controller created the topic.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(admin.listTopics().names().get()).containsAll(bus.topics().shared())
              .contains("virtflow.host.h1.commands"));
      assertThat(cleanupPolicy(admin, "virtflow.vm.state")).isEqualTo("compact");
      assertThat(cleanupPolicy(admin, "virtflow.host.status")).isEqualTo("compact");
      assertThat(cleanupPolicy(admin, "virtflow.vm.events")).isEqualTo("delete");
      assertThat(config(admin, "virtflow.snapshot.events", "retention.ms")).isEqualTo("-1");
    }
    try (var producer = new KafkaProducer<String, byte[]>(KafkaSettings.producer(kafka.bootstrapServers(), "p", 10_000))) {
      producer.send(new ProducerRecord<>("virtflow.vm.events", "d1", "before".getBytes(StandardCharsets.UTF_8)))
          .get(10, TimeUnit.SECONDS);
    }
    kafka.close();

    EmbeddedKafka again = kafka.restart();
    try {
      assertThat(again.bootstrapServers()).isEqualTo(kafka.bootstrapServers());
      assertThat(readAll(again.bootstrapServers(), "virtflow.vm.events")).containsExactly("before");
    } finally {
      again.close();
    }
  }

  private static String cleanupPolicy(Admin admin, String topic) throws Exception {
    return config(admin, topic, "cleanup.policy");
  }

  private static String config(Admin admin, String topic, String key) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Map<ConfigResource, org.apache.kafka.clients.admin.Config> all = admin.describeConfigs(List.of(r)).all().get();
    ConfigEntry e = all.get(r).get(key);
    return e == null ? null : e.value();
  }

  private static List<String> readAll(String bootstrap, String topic) {
    List<String> out = new ArrayList<>();
    try (var c = new KafkaConsumer<String, byte[]>(KafkaSettings.reader(bootstrap, "r"))) {
      var parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long until = System.currentTimeMillis() + 15_000;
      while (out.isEmpty() && System.currentTimeMillis() < until) {
        c.poll(Duration.ofMillis(200)).forEach(r -> out.add(new String(r.value(), StandardCharsets.UTF_8)));
      }
    }
    return out;
  }
}
