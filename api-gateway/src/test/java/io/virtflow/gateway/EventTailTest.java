package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.StateReason;

/**
 * The shared event tail: live streams cost no Kafka reader of their own, a resume inside the tail's ring is
 * served from it, a resume from further back gets its own reader and still exactly the events after its
 * id, and a live client that falls further behind than the ring holds is told where to resume.
 */
class EventTailTest {
  private static final int RING = 16;
  private static BusConfig bus;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    // A long stall limit: here a slow client is caught by the ring, not by the timer.
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.EVENT_TAIL_RECORDS, Integer.toString(RING),
        GatewayConfig.EVENT_MAX_STALL_MS, "600000", GatewayConfig.EVENT_HEARTBEAT_MS, "60000"));
  }

  @AfterAll
  static void tearDown() {
    gw.close();
  }

  @Test
  void liveStreamsShareOneReaderAndResumesAreExactInsideAndOutsideTheRing() {
    String domain = UUID.randomUUID().toString();
    List<SseClient> live = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        live.add(SseClient.open(gw, "/v1/events?domain=" + domain, null, false));
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> gw.gateway.openEventStreams() == 3);
      assertThat(gw.gateway.eventTailReading()).isTrue();
      assertThat(gw.gateway.privateEventReaders()).isZero();

      int n = 40;
      publish(domain, 0, n, 10);
      List<List<SseClient.Event>> got = new ArrayList<>();
      for (SseClient c : live) {
        got.add(c.take(n, Duration.ofSeconds(20)));
      }
      for (List<SseClient.Event> events : got) {
        assertThat(events).extracting(SseClient.Event::eventId)
            .containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).mapToObj(i -> "bulk-" + i).toList());
      }
      List<SseClient.Event> seen = got.get(0);

      // Near the end: inside the ring, no new reader.
      SseClient recent = SseClient.open(gw, "/v1/events?domain=" + domain, seen.get(n - 6).id(), false);
      live.add(recent);
      assertThat(recent.take(5, Duration.ofSeconds(20))).extracting(SseClient.Event::eventId)
          .containsExactly("bulk-35", "bulk-36", "bulk-37", "bulk-38", "bulk-39");
      assertThat(gw.gateway.privateEventReaders()).isZero();

      // Far back: older than the ring holds, so a reader of its own, and still exactly what came after.
      SseClient old = SseClient.open(gw, "/v1/events?domain=" + domain, seen.get(2).id(), false);
      live.add(old);
      List<SseClient.Event> rest = old.take(n - 3, Duration.ofSeconds(20));
      assertThat(rest.get(0).eventId()).isEqualTo("bulk-3");
      assertThat(rest.get(n - 4).eventId()).isEqualTo("bulk-39");
      assertThat(gw.gateway.privateEventReaders()).isEqualTo(1);
      assertThat(old.drain(Duration.ofMillis(300))).isEmpty();

      // Both kinds go on with what comes next.
      publish(domain, n, 2, 10);
      assertThat(old.take(2, Duration.ofSeconds(20))).extracting(SseClient.Event::eventId)
          .containsExactly("bulk-40", "bulk-41");
      assertThat(recent.take(2, Duration.ofSeconds(20))).extracting(SseClient.Event::eventId)
          .containsExactly("bulk-40", "bulk-41");
    } finally {
      live.forEach(SseClient::close);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.gateway.openEventStreams() == 0);
    assertThat(gw.gateway.privateEventReaders()).isZero();
  }

  @Test
  void aClientThatFallsBehindTheRingIsToldWhereToResumeAndLosesNothing() throws Exception {
    int events = 8_000;
    String domain = UUID.randomUUID().toString();
    List<String> received = new ArrayList<>();
    String resumeAt;
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new java.net.InetSocketAddress(gw.base.getHost(), gw.base.getPort()));
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(("GET /v1/events?domain=" + domain + " HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer " + TestKeys.ADMIN + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      await().atMost(Duration.ofSeconds(20)).until(() -> gw.gateway.openEventStreams() == 1);
      publish(domain, 0, events, 900);
      await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway.openEventStreams() == 0);
      String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Matcher ids = Pattern.compile("data: \\{[^\\n]*\"eventId\":\"(bulk-\\d+)\"").matcher(text);
      while (ids.find()) {
        received.add(ids.group(1));
      }
      Matcher overflow = Pattern.compile("event: overflow\\nid: ([^\\n]+)\\ndata: ([^\\n]+)\\n").matcher(text);
      assertThat(overflow.find()).as("a last overflow event").isTrue();
      resumeAt = overflow.group(1);
      assertThat(overflow.group(2)).contains("client too slow").contains("buffered events behind");
    }
    assertThat(received).isNotEmpty().hasSizeLessThan(events);
    for (int i = 0; i < received.size(); i++) {
      assertThat(received.get(i)).isEqualTo("bulk-" + i);
    }
    SseClient resumed = SseClient.open(gw, "/v1/events?domain=" + domain, resumeAt, false);
    try {
      int rest = events - received.size();
      List<SseClient.Event> got = resumed.take(rest, Duration.ofSeconds(60));
      for (int i = 0; i < rest; i++) {
        assertThat(got.get(i).eventId()).isEqualTo("bulk-" + (received.size() + i));
      }
      assertThat(resumed.drain(Duration.ofMillis(300))).isEmpty();
    } finally {
      resumed.close();
    }
  }

  private static void publish(String domain, int from, int n, int padding) {
    try (var producer = new KafkaProducer<String, byte[]>(KafkaSettings.producer(bus.bootstrap(), "bulk", 10_000))) {
      for (int i = from; i < from + n; i++) {
        DomainEvent e = DomainEvent.newBuilder().setEventId("bulk-" + i).setDomainId(domain).setDomainName("bulk")
            .setHostId("h1").setType(EventType.SUSPENDED).setDetail(EventDetail.PAUSED).setState(DomainStateCode.PAUSED)
            .setReason(StateReason.USER).setAt(Instant.now()).setCommandId("x".repeat(padding)).build();
        producer.send(new ProducerRecord<>(bus.topics().vmEvents(), domain, Codecs.DOMAIN_EVENT.encode(e)));
      }
      producer.flush();
    }
  }
}
