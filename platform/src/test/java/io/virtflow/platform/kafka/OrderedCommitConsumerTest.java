package io.virtflow.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

class OrderedCommitConsumerTest {
  private Vertx vertx;
  private BusConfig bus;
  private String topic;
  private Publisher publisher;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    bus = KafkaFixture.freshBus();
    topic = bus.topics().namespace() + ".in";
    KafkaFixture.admin().createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    publisher = new Publisher(new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "test", 10_000)));
  }

  @AfterEach
  void tearDown() {
    publisher.close();
    vertx.close().await();
  }

  private OrderedCommitConsumer<String> consumer(String group, Context context,
      OrderedCommitConsumer.Handler<String> handler) {
    var dlq = new DeadLetters(publisher, bus.topics().dlq(), "test");
    return new OrderedCommitConsumer<>("test", new KafkaConsumer<>(KafkaSettings.groupConsumer(bus.bootstrap(), group, "c")),
        List.of(topic), context, bytes -> {
          String s = new String(bytes, StandardCharsets.UTF_8);
          if (s.startsWith("bad")) {
            throw new IllegalArgumentException("bad record " + s);
          }
          return s;
        }, handler, dlq, 100);
  }

  private final Map<String, TopicPartition> partitionOfKey = new HashMap<>();

  private void send(String key, String value) {
    var md = publisher.send(topic, key, value.getBytes(StandardCharsets.UTF_8)).await();
    partitionOfKey.put(key, new TopicPartition(md.topic(), md.partition()));
  }

  @Test
  void deliversInPartitionOrderAndCommitsOnlyContiguousDoneOffsets() throws Exception {
    for (int i = 0; i < 10; i++) {
      send("k", "v" + i);
    }
    String group = "g-" + UUID.randomUUID();
    Context context = vertx.getOrCreateContext();
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    Map<String, Promise<Void>> pending = new HashMap<>();
    var consumer = consumer(group, context, (rec, value) -> {
      seen.add(value);
      Promise<Void> p = Promise.promise();
      pending.put(value, p);
      return p.future();
    });
    consumer.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 10);
    assertThat(seen).containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");

    // v3..v9 done, v0..v2 not: nothing may be committed.
    context.runOnContext(v -> List.of("v3", "v4", "v5", "v6", "v7", "v8", "v9").forEach(k -> pending.get(k).complete()));
    TopicPartition tp = partitionOf("k");
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> committed(group, tp) == null);

    context.runOnContext(v -> List.of("v0", "v1").forEach(k -> pending.get(k).complete()));
    await().atMost(Duration.ofSeconds(10)).until(() -> committedOffset(group, tp) == 2L);

    context.runOnContext(v -> pending.get("v2").complete());
    await().atMost(Duration.ofSeconds(10)).until(() -> committedOffset(group, tp) == 10L);
    consumer.stop().await();
  }

  @Test
  void undecodableRecordGoesToTheDeadLetterTopicAndTheConsumerCarriesOn() {
    send("a", "bad-1");
    send("a", "good-2");
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    var consumer = consumer("g-" + UUID.randomUUID(), vertx.getOrCreateContext(), (rec, value) -> {
      seen.add(value);
      return Future.succeededFuture();
    });
    consumer.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("good-2"));
    assertThat(seen).containsExactly("good-2");

    List<ConsumerRecord<String, byte[]>> dead = readAll(bus.topics().dlq(), 1);
    assertThat(dead).hasSize(1);
    ConsumerRecord<String, byte[]> rec = dead.get(0);
    assertThat(new String(rec.value(), StandardCharsets.UTF_8)).isEqualTo("bad-1");
    assertThat(header(rec, DeadLetters.SOURCE_TOPIC)).isEqualTo(topic);
    assertThat(header(rec, DeadLetters.ERROR)).contains("bad record bad-1");
    consumer.stop().await();
  }

  @Test
  void aFailedDeadLetterWriteIsRetriedAndNothingAfterTheRecordIsCommitted() throws Exception {
    send("k", "bad-1");
    send("k", "good-2");
    TopicPartition tp = partitionOf("k");
    // A dead-letter topic that does not exist yet (the broker creates none by itself): every write fails.
    String lateDlq = bus.topics().namespace() + ".dlq-late";
    String group = "g-" + UUID.randomUUID();
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    try (var failing = new Publisher(new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "late", 500)))) {
      var consumer = new OrderedCommitConsumer<String>("test",
          new KafkaConsumer<>(KafkaSettings.groupConsumer(bus.bootstrap(), group, "c")), List.of(topic),
          vertx.getOrCreateContext(), (t, bytes) -> {
            String v = new String(bytes, StandardCharsets.UTF_8);
            if (v.startsWith("bad")) {
              throw new IllegalArgumentException("bad record " + v);
            }
            return v;
          }, (rec, value) -> {
            seen.add(value);
            return Future.succeededFuture();
          }, new DeadLetters(failing, lateDlq, "test"), 100);
      consumer.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("good-2"));
      // The later record is done, but the one before it is not parked: nothing of the partition is committed.
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
          .until(() -> committedOffset(group, tp) == -1L);
      assertThat(consumer.isRunning()).isTrue();

      KafkaFixture.admin().createTopics(List.of(new NewTopic(lateDlq, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(30)).until(() -> committedOffset(group, tp) == 2L);
      List<ConsumerRecord<String, byte[]>> dead = readAll(lateDlq, 1);
      assertThat(dead).hasSize(1);
      assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("bad-1");
      assertThat(header(dead.get(0), DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
      assertThat(seen).containsExactly("good-2");
      consumer.stop().await();
    }
  }

  @Test
  void aDecoderOfSeveralTopicsIsToldEachRecordsTopic() throws Exception {
    String other = bus.topics().namespace() + ".other";
    KafkaFixture.admin().createTopics(List.of(new NewTopic(other, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    send("a", "same");
    publisher.send(other, "a", "same".getBytes(StandardCharsets.UTF_8)).await();
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    var consumer = new OrderedCommitConsumer<String>("test",
        new KafkaConsumer<>(KafkaSettings.groupConsumer(bus.bootstrap(), "g-" + UUID.randomUUID(), "c")),
        List.of(topic, other), vertx.getOrCreateContext(), (t, bytes) -> {
          if (t.equals(other)) {
            throw new IllegalArgumentException("nothing is good on " + t);
          }
          return t + ":" + new String(bytes, StandardCharsets.UTF_8);
        }, (rec, value) -> {
          seen.add(value);
          return Future.succeededFuture();
        }, new DeadLetters(publisher, bus.topics().dlq(), "test"), 100);
    consumer.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 1);
    List<ConsumerRecord<String, byte[]>> dead = readAll(bus.topics().dlq(), 1);
    assertThat(dead).hasSize(1);
    assertThat(header(dead.get(0), DeadLetters.SOURCE_TOPIC)).isEqualTo(other);
    assertThat(header(dead.get(0), DeadLetters.ERROR)).isEqualTo("nothing is good on " + other);
    assertThat(seen).containsExactly(topic + ":same");
    consumer.stop().await();
  }

  private OrderedCommitConsumer<String> staticMember(String group, String instanceId, List<String> seen) {
    return new OrderedCommitConsumer<>("static", new KafkaConsumer<>(KafkaSettings.staticGroupConsumer(
        bus.bootstrap(), group, "c-" + UUID.randomUUID(), instanceId)), List.of(topic), vertx.getOrCreateContext(),
        bytes -> new String(bytes, StandardCharsets.UTF_8), (rec, value) -> {
          seen.add(value);
          return Future.succeededFuture();
        }, new DeadLetters(publisher, bus.topics().dlq(), "test"), 100);
  }

  private java.util.Collection<org.apache.kafka.clients.admin.MemberDescription> members(String group) {
    try {
      return KafkaFixture.admin().describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group)
          .members();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aStaticMemberReplacedByANewerOneWithItsInstanceIdStopsOnceAndTellsItsOwner() {
    String group = "g-" + UUID.randomUUID();
    List<String> firstSeen = Collections.synchronizedList(new ArrayList<>());
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    var first = staticMember(group, "member-1", firstSeen).onFailure(failures::add);
    first.start().await();
    List<String> secondSeen = Collections.synchronizedList(new ArrayList<>());
    var second = staticMember(group, "member-1", secondSeen);
    second.start().await();
    await().atMost(Duration.ofSeconds(30)).until(() -> !first.isRunning());
    assertThat(first.failure()).isInstanceOf(org.apache.kafka.common.errors.FencedInstanceIdException.class);
    assertThat(failures).hasSize(1);
    send("k", "after");
    await().atMost(Duration.ofSeconds(20)).until(() -> secondSeen.contains("after"));
    assertThat(firstSeen).doesNotContain("after");
    first.stop().await();
    second.stop().await();
    assertThat(failures).hasSize(1);
  }

  @Test
  void aStoppedStaticMemberLeavesTheGroupAndOneStoppedAsIfKilledStays() {
    String group = "g-" + UUID.randomUUID();
    var leaving = staticMember(group, "member-1", new ArrayList<>());
    leaving.start().await();
    assertThat(members(group)).hasSize(1);
    leaving.stop().await();
    await().atMost(Duration.ofSeconds(10)).until(() -> members(group).isEmpty());

    var killed = staticMember(group, "member-1", new ArrayList<>());
    killed.start().await();
    killed.stopWithoutLeaving().await();
    assertThat(members(group)).singleElement()
        .satisfies(m -> assertThat(m.groupInstanceId()).contains("member-1"));
  }

  @Test
  void failedEffectIsRetriedNotSkipped() {
    send("a", "once");
    List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    String group = "g-" + UUID.randomUUID();
    var consumer = consumer(group, vertx.getOrCreateContext(), (rec, value) -> {
      attempts.add(value);
      return attempts.size() < 3 ? Future.failedFuture("not yet") : Future.succeededFuture();
    });
    consumer.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> committedOffset(group, partitionOf("a")) == 1L);
    assertThat(attempts).containsExactly("once", "once", "once");
    consumer.stop().await();
  }

  @Test
  void restartedConsumerGetsTheRecordsWhoseEffectWasNotDone() {
    send("k", "r0");
    send("k", "r1");
    String group = "g-" + UUID.randomUUID();
    List<String> first = Collections.synchronizedList(new ArrayList<>());
    var c1 = consumer(group, vertx.getOrCreateContext(), (rec, value) -> {
      first.add(value);
      return value.equals("r0") ? Future.succeededFuture() : Promise.<Void>promise().future();
    });
    c1.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> first.size() == 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> committedOffset(group, partitionOf("k")) == 1L);
    c1.stop().await();

    List<String> second = Collections.synchronizedList(new ArrayList<>());
    var c2 = consumer(group, vertx.getOrCreateContext(), (rec, value) -> {
      second.add(value);
      return Future.succeededFuture();
    });
    c2.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> second.size() == 1);
    assertThat(second).containsExactly("r1");
    c2.stop().await();
  }

  private TopicPartition partitionOf(String key) {
    return partitionOfKey.get(key);
  }

  private Long committedOffset(String group, TopicPartition tp) {
    OffsetAndMetadata om = committed(group, tp);
    return om == null ? -1L : om.offset();
  }

  private OffsetAndMetadata committed(String group, TopicPartition tp) {
    try {
      return KafkaFixture.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(10, TimeUnit.SECONDS).get(tp);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<ConsumerRecord<String, byte[]>> readAll(String t, int atLeast) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (var c = new KafkaConsumer<String, byte[]>(KafkaSettings.reader(bus.bootstrap(), "probe"))) {
      var parts = c.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long until = System.currentTimeMillis() + 15_000;
      while (out.size() < atLeast && System.currentTimeMillis() < until) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private static String header(ConsumerRecord<String, byte[]> rec, String name) {
    var h = rec.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
