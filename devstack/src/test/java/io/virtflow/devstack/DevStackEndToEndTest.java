package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;

/**
 * The README's walkthrough, through HTTP and SSE against the whole stack in one JVM, on the shared test
 * broker: define, start, suspend, resume, shut down, destroy and undefine a VM, and follow every change.
 */
class DevStackEndToEndTest {
  @TempDir
  static Path dataDir;
  static BusConfig bus;
  static DevStack stack;
  static Http http;

  @BeforeAll
  static void up() {
    bus = KafkaFixture.freshBus();
    stack = DevStack.start(options(dataDir));
    http = new Http(stack.httpUrl());
    await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/hosts").json().getJsonArray("hosts").stream()
        .filter(h -> "UP".equals(((JsonObject) h).getString("status"))).count() == 2);
  }

  static DevStack.Options options(Path dir) {
    return new DevStack.Options(2, 0, 0, dir, bus.bootstrap(), bus.topics().namespace(), 0, Map.of());
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aVmLivesItsWholeLifeOverHttpAndEveryChangeIsAnEvent() {
    try (SseClient sse = new SseClient(stack.httpUrl() + "/v1/events?domain=web1", null)) {
      await().atMost(Duration.ofSeconds(10)).until(sse::connected);

      Http.Answer defined = http.post("/v1/domains",
          "{\"name\":\"web1\",\"vcpus\":2,\"memoryMiB\":2048,\"disks\":[{\"target\":\"vda\",\"sizeGiB\":10}]}");
      assertThat(defined.status()).isEqualTo(202);
      String commandId = defined.json().getString("commandId");
      String domainId = defined.json().getString("domainId");
      assertThat(defined.raw().headers().firstValue("Location")).contains("/v1/commands/" + commandId);
      assertThat(http.waitFor(commandId).getString("status")).isEqualTo("SUCCEEDED");

      JsonObject domain = http.get("/v1/domains/web1").json();
      assertThat(domain.getString("domainId")).isEqualTo(domainId);
      assertThat(domain.getString("state")).isEqualTo("SHUTOFF");
      assertThat(domain.getString("host")).startsWith("host-");
      assertThat(domain.getJsonArray("disks").getJsonObject(0).getString("target")).isEqualTo("vda");

      for (String op : List.of("start", "suspend", "resume", "shutdown", "start", "destroy")) {
        assertThat(http.run("/v1/domains/web1/" + op, "{}").getString("status")).as(op).isEqualTo("SUCCEEDED");
      }
      // An invalid transition is refused, names the state, and changes nothing.
      JsonObject refused = http.run("/v1/domains/" + domainId + "/resume", "{}");
      assertThat(refused.getString("status")).isEqualTo("REJECTED");
      assertThat(refused.getString("code")).isEqualTo("OPERATION_INVALID");
      assertThat(refused.getString("message").toLowerCase()).containsAnyOf("shut off", "shutoff");
      assertThat(http.get("/v1/domains/web1").json().getString("state")).isEqualTo("SHUTOFF");

      assertThat(http.run("/v1/domains/web1", null).getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/domains/web1").status() == 404);

      List<String> expected = List.of("DEFINED/ADDED", "STARTED/BOOTED", "SUSPENDED/PAUSED", "RESUMED/UNPAUSED",
          "STOPPED/SHUTDOWN", "STARTED/BOOTED", "STOPPED/DESTROYED", "UNDEFINED/REMOVED");
      await().atMost(Duration.ofSeconds(10)).until(() -> sse.events().size() >= expected.size());
      List<SseClient.Event> events = sse.events();
      assertThat(events).extracting(SseClient.Event::typeDetail).containsExactlyElementsOf(expected);
      assertThat(events).allSatisfy(e -> {
        assertThat(e.id()).isNotBlank();
        assertThat(e.data().getString("domainId")).isEqualTo(domainId);
      });

      // Resuming after the third event gives exactly the rest.
      try (SseClient resumed = new SseClient(stack.httpUrl() + "/v1/events?domain=web1", events.get(2).id())) {
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.events().size() >= expected.size() - 3);
        assertThat(resumed.events()).extracting(SseClient.Event::typeDetail)
            .containsExactlyElementsOf(expected.subList(3, expected.size()));
      }

      // The same events, in the same order, on Kafka.
      List<String> onKafka = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> r : readAll(bus.topics().vmEvents(), domainId)) {
        DomainEvent e = Codecs.DOMAIN_EVENT.decode(r.value());
        onKafka.add(e.getType() + "/" + e.getDetail());
      }
      assertThat(onKafka).containsExactlyElementsOf(expected);
      // vm.state ends with a tombstone for the undefined domain.
      List<ConsumerRecord<String, byte[]>> states = readAll(bus.topics().vmState(), domainId);
      assertThat(states.get(states.size() - 1).value()).isNull();
    }
  }

  @Test
  void aDomainDefinedAndStartedAtOnceRunsBothInOrder() {
    Http.Answer defined = http.post("/v1/domains", "{\"name\":\"quick1\",\"vcpus\":1,\"memoryMiB\":512,\"disks\":[]}");
    assertThat(defined.status()).isEqualTo(202);
    Http.Answer started = http.post("/v1/domains/quick1/start", "{}");
    assertThat(started.status()).isEqualTo(202);
    assertThat(http.waitFor(started.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> "RUNNING".equals(http.get("/v1/domains/quick1").json().getString("state")));
  }

  @Test
  void badInputIsRefusedWithProblemJsonAndNothingIsAccepted() {
    Http.Answer bad = http.post("/v1/domains", "{\"name\":\"../etc\",\"vcpus\":1,\"memoryMiB\":512}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.raw().headers().firstValue("content-type")).hasValueSatisfying(
        ct -> assertThat(ct).startsWith("application/problem+json"));
    assertThat(bad.json().getString("code")).isEqualTo("INVALID_ARG");

    Http.Answer unknown = http.post("/v1/domains/no-such-vm/start", "{}");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getString("code")).isEqualTo("NO_DOMAIN");
  }

  @Test
  void aRecordReadWithKcatDecodesWithTheServedSchemaAlone() throws Exception {
    Http.Answer defined = http.post("/v1/domains", "{\"name\":\"kcat1\",\"vcpus\":1,\"memoryMiB\":128,\"disks\":[]}");
    String domainId = defined.json().getString("domainId");
    assertThat(http.waitFor(defined.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
    byte[] value = kcatValue(bus.topics().vmEvents(), domainId);
    org.junit.jupiter.api.Assumptions.assumeTrue(value != null, "kcat not installed");
    JsonObject served = http.get("/v1/schemas").json().getJsonObject("messages")
        .getJsonObject("io.virtflow.schema.DomainEvent");
    // What a consumer in another language does: match the 10-byte header, decode the body with the schema.
    StringBuilder header = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      header.append(String.format("%02x", value[i]));
    }
    assertThat(header.toString()).isEqualTo(served.getString("header"));
    org.apache.avro.Schema schema = new org.apache.avro.Schema.Parser().parse(served.getJsonObject("schema").encode());
    var reader = new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(schema);
    var record = reader.read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(value, 10, value.length - 10, null));
    assertThat(record.get("domainId").toString()).isEqualTo(domainId);
    assertThat(record.get("type").toString()).isEqualTo("DEFINED");
    assertThat(record.get("domainName").toString()).isEqualTo("kcat1");
  }

  /** The value of the first record with this key, as the README's kcat command prints it; null without kcat. */
  static byte[] kcatValue(String topic, String key) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("kcat", "-C", "-b", bus.bootstrap(), "-t", topic, "-o", "beginning", "-e", "-q",
          "-f", "%k\\t%S\\t%s\\n").start();
    } catch (java.io.IOException e) {
      assertThat("1".equals(System.getenv("VIRTFLOW_REQUIRE_KCAT"))).as("kcat is required but missing").isFalse();
      return null;
    }
    byte[] out = p.getInputStream().readAllBytes();
    p.waitFor();
    // Each line: key TAB value-length TAB value bytes; values are binary, so walk by the printed length.
    int i = 0;
    while (i < out.length) {
      int tab1 = indexOf(out, (byte) '\t', i);
      int tab2 = indexOf(out, (byte) '\t', tab1 + 1);
      String k = new String(out, i, tab1 - i, StandardCharsets.UTF_8);
      int len = Integer.parseInt(new String(out, tab1 + 1, tab2 - tab1 - 1, StandardCharsets.UTF_8));
      if (k.equals(key)) {
        return java.util.Arrays.copyOfRange(out, tab2 + 1, tab2 + 1 + len);
      }
      i = tab2 + 1 + len + 1;
    }
    throw new AssertionError("no record with key " + key + " in " + topic);
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    throw new AssertionError("malformed kcat output");
  }

  @Test
  void theHealthEndpointAnswersUp() {
    Http.Answer health = http.get("/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.body()).contains("UP");
    assertThat(stack.isUp()).isTrue();
  }

  static List<ConsumerRecord<String, byte[]>> readAll(String topic, String key) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (var c = new KafkaConsumer<String, byte[]>(KafkaSettings.reader(bus.bootstrap(), "e2e"))) {
      var parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      var end = c.endOffsets(parts);
      while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
        c.poll(Duration.ofMillis(200)).forEach(r -> {
          if (key.equals(r.key())) {
            out.add(r);
          }
        });
      }
    }
    return out;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
