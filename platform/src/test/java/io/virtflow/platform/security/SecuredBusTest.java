package io.virtflow.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.ClientSecurity;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.schema.Topics;

/**
 * A broker of its own with SASL/SCRAM and the StandardAuthorizer, set up by {@link BusSetup} exactly as
 * docker-compose's kafka-init does: the ACL table of docs/SECURITY.md holds on a real broker.
 */
class SecuredBusTest {
  private static final String ADMIN_PASSWORD = "admin-test-secret";
  private static Path dir;
  private static EmbeddedKafka kafka;
  private static BusConfig bus;
  private static final Map<String, String> USERS = new LinkedHashMap<>();

  @BeforeAll
  static void secureBroker() throws Exception {
    dir = Files.createTempDirectory("virtflow-secured-kafka");
    kafka = EmbeddedKafka.startSecured(dir.resolve("log"), 0, ADMIN_PASSWORD);
    bus = new BusConfig(kafka.bootstrapServers(), Topics.production(), 2, (short) 1, 1);
    USERS.put("gateway", "gw-pw");
    USERS.put("snapshot", "snap-pw");
    USERS.put("agent-host-1", "a1-pw");
    USERS.put("agent-host-2", "a2-pw");
    try (Admin admin = Admin.create(KafkaSettings.admin(as("admin", ADMIN_PASSWORD), "setup"))) {
      BusSetup.apply(admin, as("admin", ADMIN_PASSWORD), USERS);
      BusSetup.apply(admin, as("admin", ADMIN_PASSWORD), USERS); // again: idempotent
    }
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  static BusConfig as(String user, String password) {
    return bus.withSecurity(ClientSecurity.scram(user, password));
  }

  static BusConfig as(String user) {
    return as(user, USERS.get(user));
  }

  private static void write(BusConfig who, String topic, String key, String value) throws Exception {
    try (var p = new KafkaProducer<String, byte[]>(KafkaSettings.producer(who, "w-" + topic, 10_000))) {
      p.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
    }
  }

  /** Polls {@code topic} in {@code group} until {@code wanted} arrives and commits it; the values seen. */
  private static List<String> readInGroup(BusConfig who, String group, String topic, String wanted) {
    try (var c = new KafkaConsumer<String, byte[]>(KafkaSettings.groupConsumer(who, group, "r-" + topic))) {
      c.subscribe(List.of(topic));
      List<String> seen = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!seen.contains(wanted) && System.nanoTime() < until) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          seen.add(new String(r.value(), StandardCharsets.UTF_8));
          c.commitSync(Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
        }
      }
      return seen;
    }
  }

  private static void readWithoutGroup(BusConfig who, String topic) {
    try (var c = new KafkaConsumer<String, byte[]>(KafkaSettings.reader(who, "probe"))) {
      c.assign(List.of(new TopicPartition(topic, 0)));
      c.seekToBeginning(c.assignment());
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < until) {
        c.poll(Duration.ofMillis(200));
      }
    }
  }

  @Test
  void aHostAgentReadsItsOwnCommandsInItsGroupAndWritesWhatItReports() throws Exception {
    String commands = bus.topics().hostCommands("host-1");
    write(as("gateway"), commands, "d1", "start d1");
    assertThat(readInGroup(as("agent-host-1"), BusAcls.agentGroup("host-1"), commands, "start d1"))
        .contains("start d1");
    for (String t : List.of(bus.topics().commandStatus(), bus.topics().vmEvents(), bus.topics().vmState(),
        bus.topics().hostStatus(), bus.topics().dlq())) {
      write(as("agent-host-1"), t, "k", "from agent");
    }
  }

  @Test
  void aHostAgentCannotReadAnotherHostsCommands() throws Exception {
    write(as("gateway"), bus.topics().hostCommands("host-2"), "d2", "destroy d2");
    assertThatThrownBy(() -> readWithoutGroup(as("agent-host-1"), bus.topics().hostCommands("host-2")))
        .isInstanceOf(TopicAuthorizationException.class)
        .hasMessageContaining("virtflow.host.host-2.commands");
    // Not in its own group either: the group does not open the topic.
    assertThatThrownBy(() -> readInGroup(as("agent-host-1"), BusAcls.agentGroup("host-1"),
        bus.topics().hostCommands("host-2"), "destroy d2")).isInstanceOf(TopicAuthorizationException.class);
  }

  @Test
  void aHostAgentCannotWriteCommandsOrSnapshotsOrTheAudit() {
    for (String t : List.of(bus.topics().hostCommands("host-2"), bus.topics().hostCommands("host-1"),
        bus.topics().commands(), bus.topics().snapshotEvents(), bus.topics().audit())) {
      assertThatThrownBy(() -> write(as("agent-host-1"), t, "k", "forged"))
          .as("agent writing %s", t).hasRootCauseInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void theGatewayWritesCommandTopicsButCannotReadThem() throws Exception {
    write(as("gateway"), bus.topics().hostCommands("host-1"), "d1", "x");
    assertThatThrownBy(() -> readWithoutGroup(as("gateway"), bus.topics().hostCommands("host-1")))
        .isInstanceOf(TopicAuthorizationException.class);
    // What it does read: statuses, state, events and the Kafka door in its router group.
    write(as("admin", ADMIN_PASSWORD), bus.topics().commands(), "c1", "door");
    assertThat(readInGroup(as("gateway"), new BusAcls(bus.topics()).gatewayRouterGroup(), bus.topics().commands(),
        "door")).contains("door");
  }

  @Test
  void theGatewaySweepsTheProjectionTopicsInItsSweepGroupAndParksWhatItFinds() throws Exception {
    String group = new BusAcls(bus.topics()).gatewaySweepGroup();
    for (String t : List.of(bus.topics().commandStatus(), bus.topics().vmEvents(), bus.topics().vmState(),
        bus.topics().hostStatus(), bus.topics().snapshotEvents())) {
      write(as("admin", ADMIN_PASSWORD), t, "k", "poison on " + t);
      assertThat(readInGroup(as("gateway"), group, t, "poison on " + t)).as(t).contains("poison on " + t);
    }
    write(as("gateway"), bus.topics().dlq(), "k", "parked");
    // Not a group of its own choosing: the sweep's group opens nothing else.
    assertThatThrownBy(() -> readInGroup(as("gateway"), bus.topics().namespace() + "-gateway-other",
        bus.topics().vmState(), "x")).isInstanceOf(GroupAuthorizationException.class);
  }

  @Test
  void theGatewayCreatesTheCommandTopicOfANewHost() throws Exception {
    try (Admin admin = Admin.create(KafkaSettings.admin(as("gateway"), "gw-admin"))) {
      new io.virtflow.platform.kafka.TopicAdmin(bus).ensureHostTopic(admin, "host-new");
      new io.virtflow.platform.kafka.TopicAdmin(bus).ensureSharedTopics(admin); // all visible: creates nothing
    }
    write(as("gateway"), bus.topics().hostCommands("host-new"), "d", "first");
  }

  @Test
  void theSnapshotServiceWritesDiskStepsAndReadsItsRequestsButNoCommands() throws Exception {
    write(as("snapshot"), bus.topics().hostCommands("host-2"), "d2", "disk step");
    write(as("gateway"), bus.topics().snapshotRequests(), "d2", "snap");
    assertThat(readInGroup(as("snapshot"), BusAcls.SNAPSHOT_GROUP, bus.topics().snapshotRequests(), "snap"))
        .contains("snap");
    assertThatThrownBy(() -> readWithoutGroup(as("snapshot"), bus.topics().hostCommands("host-2")))
        .isInstanceOf(TopicAuthorizationException.class);
  }

  @Test
  void aWrongPasswordIsRefusedAtLogin() {
    assertThatThrownBy(() -> {
      try (Admin admin = Admin.create(KafkaSettings.admin(as("agent-host-1", "not-the-password"), "wrong"))) {
        admin.listTopics().names().get(20, TimeUnit.SECONDS);
      }
    }).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
  }

  @Test
  void noIdentityAtAllIsRefused() {
    // A PLAINTEXT client cannot even speak to a SASL listener: it never gets metadata.
    Map<String, Object> props = KafkaSettings.admin(bus, "anonymous");
    props.put("default.api.timeout.ms", 3000);
    props.put("request.timeout.ms", 2000);
    assertThatThrownBy(() -> {
      try (Admin admin = Admin.create(props)) {
        admin.listTopics().names().get(20, TimeUnit.SECONDS);
      }
    }).isInstanceOf(ExecutionException.class);
  }
}
