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
 * Bounded memory for SSE (issue #4, item 6): a client that stops reading while a large backlog streams to
 * it is not buffered without bound. Once its write queue has stayed full for the stall limit it gets a last
 * {@code overflow} event whose id says where to resume, the connection closes, the gateway forgets the
 * stream, and resuming with that id as {@code Last-Event-ID} delivers exactly the rest, none lost or twice.
 */
class SlowEventClientTest {
  private static final int EVENTS = 6_000;
  private static BusConfig bus;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.EVENT_MAX_STALL_MS, "500",
        GatewayConfig.EVENT_HEARTBEAT_MS, "60000"));
  }

  @AfterAll
  static void tearDown() {
    gw.close();
  }

  @Test
  void aClientThatStopsReadingIsToldWhereToResumeAndDisconnected() throws Exception {
    String domain = UUID.randomUUID().toString();
    List<String> received = new ArrayList<>();
    String resumeAt;
    try (Socket socket = new Socket()) {
      // A tiny receive window: the gateway's writes back up after a few KB instead of filling the OS buffers.
      socket.setReceiveBufferSize(4096);
      socket.connect(new java.net.InetSocketAddress(gw.base.getHost(), gw.base.getPort()));
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(("GET /v1/events?domain=" + domain + " HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer " + TestKeys.ADMIN + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      await().atMost(Duration.ofSeconds(20)).until(() -> gw.gateway.openEventStreams() == 1);
      publish(domain, EVENTS);
      // Not reading: the stream stalls, and the gateway lets it go.
      await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway.openEventStreams() == 0);

      String text = readToEnd(socket.getInputStream());
      assertThat(text).startsWith("HTTP/1.1 200");
      Matcher ids = Pattern.compile("data: \\{[^\\n]*\"eventId\":\"(bulk-\\d+)\"").matcher(text);
      while (ids.find()) {
        received.add(ids.group(1));
      }
      Matcher overflow = Pattern.compile("event: overflow\\nid: ([^\\n]+)\\ndata: ([^\\n]+)\\n").matcher(text);
      assertThat(overflow.find()).as("a last overflow event; the stream ended with: %s",
          text.substring(Math.max(0, text.length() - 500))).isTrue();
      resumeAt = overflow.group(1);
      assertThat(overflow.group(2)).contains("client too slow").contains(resumeAt);
      assertThat(text.substring(overflow.end()).replace("0\r\n\r\n", "").replaceAll("[0-9a-f]+\r\n", "").trim())
          .as("nothing after the overflow event").isEmpty();
    }
    assertThat(received).as("the slow client got part of the backlog").isNotEmpty().hasSizeLessThan(EVENTS);
    for (int i = 0; i < received.size(); i++) {
      assertThat(received.get(i)).isEqualTo("bulk-" + i);
    }

    SseClient resumed = SseClient.open(gw, "/v1/events?domain=" + domain, resumeAt, false);
    try {
      int rest = EVENTS - received.size();
      List<SseClient.Event> got = resumed.take(rest, Duration.ofSeconds(60));
      for (int i = 0; i < rest; i++) {
        assertThat(got.get(i).eventId()).isEqualTo("bulk-" + (received.size() + i));
      }
    } finally {
      resumed.close();
    }
    System.out.printf("SlowEventClientTest: %d events; the stalled client got %d before its overflow event, "
        + "the resumed stream the other %d%n", EVENTS, received.size(), EVENTS - received.size());
  }

  private static void publish(String domain, int n) {
    try (var producer = new KafkaProducer<String, byte[]>(KafkaSettings.producer(bus.bootstrap(), "bulk", 10_000))) {
      for (int i = 0; i < n; i++) {
        DomainEvent e = DomainEvent.newBuilder().setEventId("bulk-" + i).setDomainId(domain).setDomainName("bulk")
            .setHostId("h1").setType(EventType.SUSPENDED).setDetail(EventDetail.PAUSED).setState(DomainStateCode.PAUSED)
            .setReason(StateReason.USER).setAt(Instant.now()).setCommandId("x".repeat(900)).build();
        producer.send(new ProducerRecord<>(bus.topics().vmEvents(), domain, Codecs.DOMAIN_EVENT.encode(e)));
      }
      producer.flush();
    }
  }

  private static String readToEnd(InputStream in) throws Exception {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
