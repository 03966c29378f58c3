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

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

class TopicReaderTest {
  private Vertx vertx;
  private BusConfig bus;
  private Publisher publisher;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    bus = KafkaFixture.freshBus();
    publisher = new Publisher(new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "p", 10_000)));
  }

  @AfterEach
  void tearDown() {
    publisher.close();
    vertx.close().await();
  }

  private TopicReader reader(TopicReader.Start start, TopicReader.BatchHandler handler) {
    return new TopicReader("t", new KafkaConsumer<>(KafkaSettings.reader(bus.bootstrap(), "r")), bus.topics().vmState(),
        start, vertx.getOrCreateContext(), handler).start();
  }

  private void send(String key, String value) {
    publisher.send(bus.topics().vmState(), key, value == null ? null : value.getBytes(StandardCharsets.UTF_8)).await();
  }

  @Test
  void caughtUpCompletesAfterEveryRecordThatExistedAtStartWasHandled() {
    for (int i = 0; i < 20; i++) {
      send("d" + (i % 5), "v" + i);
    }
    send("d0", null);
    Map<String, String> view = new HashMap<>();
    TopicReader r = reader(TopicReader.Start.BEGINNING, batch -> {
      batch.forEach(rec -> {
        if (rec.value() == null) {
          view.remove(rec.key());
        } else {
          view.put(rec.key(), new String(rec.value(), StandardCharsets.UTF_8));
        }
      });
      return Future.succeededFuture();
    });
    r.caughtUp().await();
    assertThat(view).containsOnlyKeys("d1", "d2", "d3", "d4").containsEntry("d4", "v19");
    r.stop().await();
  }

  @Test
  void caughtUpOnAnEmptyTopicIsImmediate() {
    TopicReader r = reader(TopicReader.Start.BEGINNING, batch -> Future.succeededFuture());
    r.caughtUp().await();
    r.stop().await();
  }

  @Test
  void aReaderStartedAtTheEndSeesOnlyNewRecordsAndAResumePositionSkipsWhatWasSeen() {
    send("a", "old");
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    Map<Integer, Long> position = new HashMap<>();
    TopicReader r = reader(TopicReader.Start.END, batch -> {
      batch.forEach(rec -> {
        seen.add(new String(rec.value(), StandardCharsets.UTF_8));
        position.put(rec.partition(), rec.offset() + 1);
      });
      return Future.succeededFuture();
    });
    Map<Integer, Long> start = r.startPositions().await();
    position.putAll(start);
    send("a", "new1");
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("new1"));
    r.stop().await();
    assertThat(seen).containsExactly("new1");

    Map<Integer, Long> resumeFrom;
    synchronized (seen) {
      resumeFrom = new HashMap<>(position);
    }
    send("a", "new2");
    List<String> resumed = Collections.synchronizedList(new ArrayList<>());
    TopicReader r2 = reader(TopicReader.Start.at(resumeFrom), batch -> {
      batch.forEach(rec -> resumed.add(new String(rec.value(), StandardCharsets.UTF_8)));
      return Future.succeededFuture();
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> resumed.contains("new2"));
    assertThat(resumed).containsExactly("new2");
    r2.stop().await();
  }

  @Test
  void aSlowHandlerHoldsTheReaderBack() {
    for (int i = 0; i < 5; i++) {
      send("k", "v" + i);
    }
    List<Promise<Void>> held = Collections.synchronizedList(new ArrayList<>());
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    TopicReader r = reader(TopicReader.Start.BEGINNING, batch -> {
      sizes.add(batch.size());
      Promise<Void> p = Promise.promise();
      held.add(p);
      return p.future();
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
    send("k", "more");
    // While the first batch is not done, no second batch is handed over.
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> held.size() == 1);
    vertx.runOnContext(v -> held.get(0).complete());
    await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 2);
    vertx.runOnContext(v -> held.get(1).complete());
    r.stop().await();
  }
}
