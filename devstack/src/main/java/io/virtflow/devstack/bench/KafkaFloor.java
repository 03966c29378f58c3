package io.virtflow.devstack.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.virtflow.platform.kafka.KafkaSettings;

/**
 * {@code kafka-floor}: one hop through the broker, nothing else. A producer with exactly the services'
 * settings ({@link KafkaSettings#producer}: acks=all, idempotence, their linger) sends 200-byte records at
 * a fixed rate to a one-partition topic; a consumer assigned to it completes each record's operation when
 * it sees it. The latency is produce → consume, from the record's intended send time.
 */
public final class KafkaFloor {
  private static final int RECORD_BYTES = 200;

  private KafkaFloor() {
  }

  public static Result run(String bootstrap, double rate, Duration warmup, Duration duration) throws Exception {
    String topic = "bench-floor-" + UUID.randomUUID();
    try (Admin admin = Admin.create(KafkaSettings.admin(bootstrap, "bench-floor-admin"))) {
      // Created before the first send: an auto-created topic costs the first record ~250 ms
      // (docs/FACTS.md).
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    Map<String, Object> p = KafkaSettings.producer(bootstrap, "bench-floor-producer", 5000);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    Object linger = p.get(ProducerConfig.LINGER_MS_CONFIG);
    Map<Long, CompletableFuture<Boolean>> waiting = new ConcurrentHashMap<>();
    TopicPartition tp = new TopicPartition(topic, 0);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaSettings.reader(bootstrap,
            "bench-floor-consumer"))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      consumer.position(tp);
      Thread poller = new Thread(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
              CompletableFuture<Boolean> f = waiting.remove(ByteBuffer.wrap(r.value()).getLong());
              if (f != null) {
                f.complete(true);
              }
            }
          }
        } catch (org.apache.kafka.common.errors.InterruptException | org.apache.kafka.common.errors.WakeupException e) {
          // stopping
        }
      }, "bench-floor-poll");
      poller.start();
      LoadGenerator.Run run;
      try {
        run = LoadGenerator.run(rate, warmup, duration, seq -> {
          CompletableFuture<Boolean> f = new CompletableFuture<>();
          waiting.put(seq, f);
          byte[] value = new byte[RECORD_BYTES];
          ByteBuffer.wrap(value).putLong(seq);
          producer.send(new ProducerRecord<>(topic, "domain-" + (seq % 100), value), (md, e) -> {
            if (e != null) {
              waiting.remove(seq);
              f.complete(false);
            }
          });
          return f;
        });
      } finally {
        consumer.wakeup();
        poller.interrupt();
        poller.join(5000);
      }
      return new Result("kafka-floor").latencies(run.latencyMicros(), run.opsPerSec())
          .put("rate", rate).put("sent", run.sent()).put("received", run.succeeded()).put("failed", run.failed())
          .put("lingerMs", linger).put("acks", p.get(ProducerConfig.ACKS_CONFIG))
          .put("recordBytes", RECORD_BYTES);
    }
  }
}
