package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.security.BusAcls;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;

/**
 * {@code GET /v1/bus} (admin only): the namespace's topics with their partitions' offsets, the consumer groups
 * that committed on them with their lag, the dead-letter topic's count and its latest records' headers, all
 * read from the real broker.
 */
class BusViewTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "bus-h1").heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
  }

  private static JsonObject view() {
    RunningGateway.Answer a = gw.get("/v1/bus");
    assertThat(a.status()).as(a.toString()).isEqualTo(200);
    return a.json();
  }

  private static JsonObject topic(JsonObject view, String name) {
    return view.getJsonArray("topics").stream().map(JsonObject.class::cast).filter(t -> t.getString("topic")
        .equals(name)).findFirst().orElse(null);
  }

  private static JsonObject group(JsonObject view, String name) {
    return view.getJsonArray("groups").stream().map(JsonObject.class::cast).filter(g -> g.getString("group")
        .equals(name)).findFirst().orElse(null);
  }

  @Test
  void onlyAnAdminReadsTheBus() {
    for (Role role : List.of(Role.VIEWER, Role.OPERATOR)) {
      RunningGateway.Answer a = gw.get("/v1/bus", "Authorization", RunningGateway.bearer(TestKeys.token("x", role,
          TestKeys.PROJECT)));
      assertThat(a.status()).as(role.claim()).isEqualTo(403);
      assertThat(a.json().getString("code")).isEqualTo("ACCESS_DENIED");
      assertThat(a.json().getString("detail")).contains(role.claim()).contains("read the bus");
    }
    assertThat(gw.get("/v1/bus", "Authorization", "").status()).isEqualTo(401);
    RunningGateway.Answer bad = gw.get("/v1/bus?records=5");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().getString("field")).isEqualTo("records");
  }

  @Test
  void everyTopicOfTheNamespaceWithItsEndOffsetsAndNothingOfAnotherNamespace() {
    String domainId = UUID.randomUUID().toString();
    for (int i = 0; i < 3; i++) {
      agent.event(domainId, "bus-web", EventType.STARTED, EventDetail.BOOTED, DomainStateCode.RUNNING);
    }
    // Another namespace on the same broker, with a topic of its own.
    BusConfig other = KafkaFixture.freshBus();
    new io.virtflow.platform.kafka.TopicAdmin(other).ensureHostTopic(KafkaFixture.admin(), "elsewhere");

    await().atMost(Duration.ofSeconds(15)).until(() -> {
      JsonObject events = topic(view(), bus.topics().vmEvents());
      return events != null && events.getLong("records") >= 3;
    });
    JsonObject v = view();
    assertThat(v.getString("namespace")).isEqualTo(bus.topics().namespace());
    assertThat(Instant.parse(v.getString("at"))).isBefore(Instant.now().plusSeconds(1));
    List<String> names = v.getJsonArray("topics").stream().map(JsonObject.class::cast).map(t -> t.getString("topic"))
        .toList();
    assertThat(names).containsAll(bus.topics().shared()).contains(bus.topics().hostCommands("bus-h1"))
        .allSatisfy(n -> assertThat(n).startsWith(bus.topics().namespace() + "."))
        .isSorted();
    JsonObject events = topic(v, bus.topics().vmEvents());
    assertThat(events.getJsonArray("partitions")).hasSize(bus.partitions());
    long sum = events.getJsonArray("partitions").stream().map(JsonObject.class::cast)
        .mapToLong(p -> p.getLong("endOffset") - p.getLong("startOffset")).sum();
    assertThat(sum).isEqualTo(events.getLong("records")).isEqualTo(3);
    // One key, one partition: all three there.
    assertThat(events.getJsonArray("partitions").stream().map(JsonObject.class::cast)
        .filter(p -> p.getLong("endOffset") == 3).count()).isEqualTo(1);
  }

  @Test
  void aGroupThatCommittedOnTheNamespacesTopicsShowsItsLag() throws Exception {
    String domainId = UUID.randomUUID().toString();
    for (int i = 0; i < 5; i++) {
      agent.state(domainId, "bus-lag", DomainStateCode.SHUTOFF, i + 1);
    }
    TopicPartition tp = await().atMost(Duration.ofSeconds(15)).until(() -> {
      JsonObject t = topic(view(), bus.topics().vmState());
      return t == null ? null : t.getJsonArray("partitions").stream().map(JsonObject.class::cast)
          .filter(p -> p.getLong("endOffset") == 5).map(p -> new TopicPartition(bus.topics().vmState(),
              p.getInteger("partition"))).findFirst().orElse(null);
    }, java.util.Objects::nonNull);
    // A group with no member that committed offset 2 of 5: 3 behind.
    String group = "bus-test-" + UUID.randomUUID();
    Admin admin = KafkaFixture.admin();
    admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(2))).all().get();
    // A group that committed only on another namespace's topic is not this namespace's.
    String foreign = "bus-foreign-" + UUID.randomUUID();
    BusConfig other = KafkaFixture.freshBus();
    new io.virtflow.platform.kafka.TopicAdmin(other).ensureHostTopic(admin, "elsewhere");
    // A topic just created may not be in every broker's metadata yet.
    await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
      admin.alterConsumerGroupOffsets(foreign, Map.of(new TopicPartition(other.topics().hostCommands("elsewhere"), 0),
          new OffsetAndMetadata(0))).all().get();
      return true;
    });

    await().atMost(Duration.ofSeconds(15)).until(() -> group(view(), group) != null);
    JsonObject v = view();
    JsonObject g = group(v, group);
    assertThat(g.getLong("lag")).isEqualTo(3);
    assertThat(g.getString("state")).isEqualTo("Empty");
    assertThat(g.getInteger("members")).isZero();
    assertThat(g.getJsonArray("partitions")).singleElement().satisfies(o -> {
      JsonObject p = (JsonObject) o;
      assertThat(p.getString("topic")).isEqualTo(bus.topics().vmState());
      assertThat(p.getInteger("partition")).isEqualTo(tp.partition());
      assertThat(p.getLong("committed")).isEqualTo(2);
      assertThat(p.getLong("endOffset")).isEqualTo(5);
      assertThat(p.getLong("lag")).isEqualTo(3);
    });
    assertThat(group(v, foreign)).isNull();
    assertThat(v.getValue("groupsError")).isNull();
    // The gateway's own dead-letter sweep commits on the projection topics: it is one of the namespace's groups.
    await().atMost(Duration.ofSeconds(15)).until(() -> group(view(), new BusAcls(bus.topics()).gatewaySweepGroup())
        != null);
  }

  @Test
  void theDeadLetterTopicsCountAndItsLatestRecordsWithWhyTheyWereParked() {
    // Bytes that decode as nothing, on a projection topic: the gateway's sweep parks each of them.
    int bad = 25;
    for (int i = 0; i < bad; i++) {
      agent.send(bus.topics().hostStatus(), "garbage-" + i, ("not a heartbeat " + i).getBytes(StandardCharsets.UTF_8));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> view().getJsonObject("deadLetters").getLong("count") == bad);
    JsonObject dlq = view().getJsonObject("deadLetters");
    assertThat(dlq.getString("topic")).isEqualTo(bus.topics().dlq());
    assertThat(dlq.getValue("error")).isNull();
    List<JsonObject> latest = dlq.getJsonArray("latest").stream().map(JsonObject.class::cast).toList();
    assertThat(latest).hasSize(io.virtflow.gateway.kafka.BusView.DEAD_LETTERS_SHOWN);
    assertThat(latest).allSatisfy(r -> {
      JsonObject h = r.getJsonObject("headers");
      assertThat(h.getString(DeadLetters.SOURCE_TOPIC)).isEqualTo(bus.topics().hostStatus());
      assertThat(h.getString(DeadLetters.CONSUMER)).isEqualTo(new BusAcls(bus.topics()).gatewaySweepGroup());
      assertThat(h.getString(DeadLetters.ERROR)).isNotBlank();
      assertThat(Long.parseLong(h.getString(DeadLetters.SOURCE_OFFSET))).isNotNegative();
      assertThat(h.fieldNames()).allSatisfy(n -> assertThat(n).startsWith("virtflow.dlq."));
      assertThat(r.getString("key")).startsWith("garbage-");
      assertThat(r.getInteger("valueBytes")).isPositive();
    });
    List<Instant> times = latest.stream().map(r -> Instant.parse(r.getString("timestamp"))).toList();
    assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());
  }

  @Test
  void anAnswerIsGivenAgainForUpToTwoSeconds() {
    long before = System.nanoTime();
    JsonObject first = view();
    JsonObject second = view();
    if (Duration.ofNanos(System.nanoTime() - before).compareTo(Duration.ofMillis(1500)) < 0) {
      assertThat(second.getString("at")).isEqualTo(first.getString("at"));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !view().getString("at").equals(first.getString("at")));
  }
}
