package io.virtflow.devstack.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.Start;
import io.virtflow.schema.Topics;

/**
 * Random bytes, and truncated real Avro records, on every topic a service consumes. Afterwards every
 * service is up, a define and a start still work, and every bad record of all eight topics is in the DLQ
 * exactly once with its source topic and reason: those of the topics read by a consumer group (the
 * commands topics, snapshot requests) parked by that group's consumer, those of the five topics read only
 * by projections ({@code TopicReader}, which skip them) parked by the gateway's dead-letter sweep.
 */
class HostileTopicsTest {
  private static final int RANDOM_PER_TOPIC = 10;
  private static final int TRUNCATED_PER_TOPIC = 5;

  @TempDir
  Path dataDir;

  @Test
  void badRecordsOnEveryConsumedTopicCrashNothingAndAreAllDeadLettered() {
    BusConfig bus = KafkaFixture.freshBus();
    Topics topics = bus.topics();
    try (DevStack stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir, bus.bootstrap(),
        topics.namespace(), 0, Map.of()))) {
      Api api = new Api(stack);
      Scenario.awaitHostUp(api, "host-1");
      List<String> deadLettered = List.of(topics.commands(), topics.hostCommands("host-1"), topics.snapshotRequests());
      List<String> projected = List.of(topics.commandStatus(), topics.vmEvents(), topics.vmState(), topics.hostStatus(),
          topics.snapshotEvents());
      Map<String, Integer> sent = new LinkedHashMap<>();
      Random random = new Random(5);
      byte[] real = Codecs.COMMAND.encode(Command.newBuilder().setCommandId(UUID.randomUUID().toString())
          .setDomainId(UUID.randomUUID().toString()).setHostId("host-1").setIssuedAt(Instant.now())
          .setDeadline(Instant.now().plusSeconds(60)).setPrincipal("mallory").setPayload(new Start(false)).build());
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
          KafkaSettings.producer(bus.bootstrap(), "hostile", 10_000))) {
        for (String topic : concat(deadLettered, projected)) {
          for (int i = 0; i < RANDOM_PER_TOPIC + TRUNCATED_PER_TOPIC; i++) {
            byte[] value;
            if (i < RANDOM_PER_TOPIC) {
              value = new byte[1 + random.nextInt(300)];
              random.nextBytes(value);
            } else {
              value = Arrays.copyOf(real, 1 + random.nextInt(real.length - 1));
            }
            producer.send(new ProducerRecord<>(topic, "bad-" + UUID.randomUUID(), value));
            sent.merge(topic, 1, Integer::sum);
          }
        }
        producer.flush();
      }

      Map<String, Integer> inDlq = new HashMap<>();
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
        inDlq.clear();
        inDlq.putAll(dlqBySource(bus.bootstrap(), topics.dlq()));
        return concat(deadLettered, projected).stream().allMatch(t -> inDlq.getOrDefault(t, 0) >= sent.get(t));
      });
      // Every service still up, and the command path still works end to end.
      await().atMost(Duration.ofSeconds(30)).until(stack::isUp);
      assertThat(api.healthy()).isTrue();
      Api.Answer defined = api.post("/v1/domains", "{\"name\":\"after-hostile\",\"vcpus\":1,\"memoryMiB\":64,"
          + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":1}]}", null);
      assertThat(defined.status()).isEqualTo(202);
      assertThat(statusOf(api, defined.json().getString("commandId"))).isEqualTo("SUCCEEDED");
      Api.Answer started = api.post("/v1/domains/after-hostile/start", "{}", null);
      assertThat(started.status()).isEqualTo(202);
      assertThat(statusOf(api, started.json().getString("commandId"))).isEqualTo("SUCCEEDED");

      JsonObject perTopic = new JsonObject();
      for (String t : concat(deadLettered, projected)) {
        String name = t.substring(topics.namespace().length() + 1);
        perTopic.put(name, new JsonObject().put("sent", sent.get(t)).put("inDlq", inDlq.getOrDefault(t, 0))
            .put("reader", deadLettered.contains(t) ? "consumer group: DLQ" : "projections skip, gateway sweep: DLQ"));
      }
      int sentTotal = sent.values().stream().mapToInt(Integer::intValue).sum();
      JsonObject counts = new JsonObject().put("sent", sentTotal).put("accepted", 0).put("terminal", 0).put("lost", 0)
          .put("duplicatedEffects", 0)
          .put("dlqFromGroupTopics", deadLettered.stream().mapToInt(t -> inDlq.getOrDefault(t, 0)).sum())
          .put("sentToGroupTopics", deadLettered.stream().mapToInt(sent::get).sum())
          .put("dlqFromProjectionTopics", projected.stream().mapToInt(t -> inDlq.getOrDefault(t, 0)).sum())
          .put("sentToProjectionTopics", projected.stream().mapToInt(sent::get).sum())
          .put("servicesUp", true).put("defineAndStartAfter", "SUCCEEDED").put("topics", perTopic);
      Results.append("5. random bytes on every consumed topic", counts);
      for (String t : concat(deadLettered, projected)) {
        assertThat(inDlq.get(t)).as("dead letters from " + t).isEqualTo(sent.get(t));
      }
    }
  }

  private static String statusOf(Api api, String commandId) {
    String[] status = {null};
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      Api.Answer a = api.get("/v1/commands/" + commandId + "?waitMs=2000");
      status[0] = a.status() == 200 ? a.json().getString("status") : null;
      return status[0] != null && !"ACCEPTED".equals(status[0]) && !"RUNNING".equals(status[0]);
    });
    return status[0];
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** Dead letters by source topic; each must name its reason. */
  private static Map<String, Integer> dlqBySource(String bootstrap, String dlq) {
    Map<String, Integer> out = new HashMap<>();
    try (var consumer = new KafkaConsumer<String, byte[]>(KafkaSettings.reader(bootstrap, "hostile-dlq"))) {
      List<TopicPartition> partitions = consumer.partitionsFor(dlq, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(dlq, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          var source = r.headers().lastHeader(DeadLetters.SOURCE_TOPIC);
          var error = r.headers().lastHeader(DeadLetters.ERROR);
          if (source != null && error != null && error.value().length > 0) {
            out.merge(new String(source.value(), StandardCharsets.UTF_8), 1, Integer::sum);
          }
        }
      }
    }
    return out;
  }
}
