package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.StateReason;

/**
 * TEST FIXTURE — an event stream whose client stops reading: a raw socket with a 4 KiB receive window (the
 * gateway's writes back up after a few KB instead of filling the OS buffers) asks for {@code /v1/events},
 * the test publishes meanwhile, and once the gateway let the stream go, what the client was sent is
 * parsed: the ids of the events it got, and the last {@code overflow} event.
 */
record StalledStream(String text, List<String> eventIds, String overflowId, String overflowData) {
  private static final Pattern EVENT_ID = Pattern.compile("data: \\{[^\\n]*\"eventId\":\"(bulk-\\d+)\"");
  private static final Pattern OVERFLOW = Pattern.compile("event: overflow\\nid: ([^\\n]+)\\ndata: ([^\\n]+)\\n");

  /** Opens the stream for {@code domain}, runs {@code whileOpen}, waits until the gateway dropped it. */
  static StalledStream run(RunningGateway gw, String domain, Runnable whileOpen) throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress(gw.base.getHost(), gw.base.getPort()));
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(("GET /v1/events?domain=" + domain + " HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer " + TestKeys.ADMIN + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      await().atMost(Duration.ofSeconds(20)).until(() -> gw.gateway.openEventStreams() == 1);
      whileOpen.run();
      // Not reading: the stream stalls, and the gateway lets it go.
      await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway.openEventStreams() == 0);
      String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      List<String> ids = new ArrayList<>();
      Matcher m = EVENT_ID.matcher(text);
      while (m.find()) {
        ids.add(m.group(1));
      }
      Matcher overflow = OVERFLOW.matcher(text);
      boolean found = overflow.find();
      return new StalledStream(text, ids, found ? overflow.group(1) : null, found ? overflow.group(2) : null);
    }
  }

  /** What came after the overflow event, chunk framing aside (nothing, if the stream ended right). */
  String afterOverflow() {
    Matcher overflow = OVERFLOW.matcher(text);
    return overflow.find() ? text.substring(overflow.end()).replace("0\r\n\r\n", "").replaceAll("[0-9a-f]+\r\n", "").trim()
        : text;
  }

  /**
   * A stream resumed from the overflow event's id delivers exactly the events this one did not get, in
   * order, none twice.
   */
  void resumeDeliversTheRest(RunningGateway gw, String domain, int total) {
    SseClient resumed = SseClient.open(gw, "/v1/events?domain=" + domain, overflowId, false);
    try {
      int got = eventIds.size();
      List<SseClient.Event> rest = resumed.take(total - got, Duration.ofSeconds(60));
      for (int i = 0; i < total - got; i++) {
        assertThat(rest.get(i).eventId()).isEqualTo("bulk-" + (got + i));
      }
      assertThat(resumed.drain(Duration.ofMillis(300))).isEmpty();
    } finally {
      resumed.close();
    }
  }

  /** Publishes events {@code bulk-<from>} … of one domain, each padded with {@code padding} bytes. */
  static void publish(BusConfig bus, String domain, int from, int n, int padding) {
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
