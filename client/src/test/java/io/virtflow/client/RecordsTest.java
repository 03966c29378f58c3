package io.virtflow.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.SnapshotEvent;
import io.virtflow.schema.SnapshotKindCode;
import io.virtflow.schema.SnapshotRequest;
import io.virtflow.schema.Topics;

@ExtendWith(TestStack.class)
class RecordsTest {

  /** Every record the running stack wrote, on every topic that has a message type, decodes to that type. */
  @Test
  void decodesEveryRecordOfEveryTopicTheStackWrote() throws Exception {
    Topics topics = new Topics(TestStack.namespace());
    try (VirtflowClient client = TestStack.client();
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
            TestStack.get().bootstrap()), new StringSerializer(), new ByteArraySerializer())) {
      String name = TestStack.uniqueName("rec");
      assertThat(client.submitOverHttp(Commands.define(name, 1, 128, Commands.disk("vda", 1))).toCompletableFuture()
          .join().status()).isEqualTo(CommandStatusCode.SUCCEEDED);
      CommandOutcome snap = client.submitOverHttp(Commands.createSnapshot(name, "s1", SnapshotKindCode.INTERNAL))
          .toCompletableFuture().join();
      assertThat(snap.status()).as(snap.toString()).isEqualTo(CommandStatusCode.SUCCEEDED);
      // commands has a record whether or not the gateway reads it yet.
      CommandRequest request = Commands.start(name);
      producer.send(new ProducerRecord<>(topics.commands(), name, Codecs.COMMAND_REQUEST.encode(request))).get();
    }

    Map<String, Class<? extends SpecificRecord>> expected = new HashMap<>();
    expected.put(topics.commands(), CommandRequest.class);
    expected.put(topics.hostCommands("host-1"), Command.class);
    expected.put(topics.commandStatus(), CommandStatus.class);
    expected.put(topics.vmEvents(), DomainEvent.class);
    expected.put(topics.vmState(), DomainState.class);
    expected.put(topics.hostStatus(), HostStatus.class);
    expected.put(topics.snapshotRequests(), SnapshotRequest.class);
    expected.put(topics.snapshotEvents(), SnapshotEvent.class);
    for (Map.Entry<String, Class<? extends SpecificRecord>> e : expected.entrySet()) {
      List<ConsumerRecord<String, byte[]>> records = readAll(e.getKey());
      assertThat(records).as(e.getKey()).isNotEmpty();
      for (ConsumerRecord<String, byte[]> r : records) {
        SpecificRecord decoded = Records.decode(r.topic(), r.value());
        if (decoded != null) {
          assertThat(decoded).as(r.topic()).isInstanceOf(e.getValue());
        }
      }
    }
  }

  @Test
  void aTombstoneOnACompactedTopicIsNull() {
    assertThat(Records.decode("virtflow.vm.state", null)).isNull();
    assertThat(Records.decode("virtflow.host.status", null)).isNull();
    assertThatThrownBy(() -> Records.decode("virtflow.vm.events", null))
        .isInstanceOf(AvroCodec.UndecodableException.class).hasMessageContaining("virtflow.vm.events");
  }

  @Test
  void refusesWhatItCannotDecodeWithAClearMessage() {
    assertThatThrownBy(() -> Records.decode("orders.created", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'created' is not a virtflow topic");
    assertThatThrownBy(() -> Records.decode("virtflow", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no namespace prefix");
    assertThatThrownBy(() -> Records.decode("virtflow.dlq", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("virtflow.dlq.source.topic");
    assertThatThrownBy(() -> Records.decode("virtflow.vm.events", "{\"json\":true}".getBytes()))
        .isInstanceOf(AvroCodec.UndecodableException.class)
        .hasMessageContaining("record of virtflow.vm.events")
        .hasMessageContaining("not an Avro single-object encoded record");
    byte[] status = Codecs.COMMAND_STATUS.encode(CommandStatus.newBuilder().setCommandId("c").setOperation("Start")
        .setStatus(CommandStatusCode.ACCEPTED).setAt(java.time.Instant.now()).build());
    assertThatThrownBy(() -> Records.decode("virtflow.vm.events", status))
        .isInstanceOf(AvroCodec.UndecodableException.class).hasMessageContaining("DomainEvent");
    assertThatThrownBy(() -> Records.decode("virtflow.command.status", status, DomainEvent.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("carries CommandStatus, not DomainEvent");
  }

  @Test
  void perHostCommandTopicsAreRecognisedWhateverTheNamespace() {
    assertThat(Records.codecFor("t-1234.host.host-7.commands")).isSameAs(Codecs.COMMAND);
    assertThat(Records.codecFor("t-1234.commands")).isSameAs(Codecs.COMMAND_REQUEST);
    assertThat(Records.codecFor("t-1234.audit")).isSameAs(Codecs.AUDIT_RECORD);
    assertThatThrownBy(() -> Records.codecFor("t-1234.host..commands")).isInstanceOf(IllegalArgumentException.class);
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
        TestStack.get().bootstrap(), "enable.auto.commit", false), new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
          .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      List<ConsumerRecord<String, byte[]>> out = new java.util.ArrayList<>();
      long until = System.currentTimeMillis() + 10_000;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < until) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }
}
