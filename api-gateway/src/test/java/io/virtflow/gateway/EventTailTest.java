package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

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
      StalledStream.publish(bus, domain, 0, n, 10);
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
      StalledStream.publish(bus, domain, n, 2, 10);
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
    StalledStream stalled = StalledStream.run(gw, domain, () -> StalledStream.publish(bus, domain, 0, events, 900));
    assertThat(stalled.overflowId()).as("a last overflow event").isNotNull();
    assertThat(stalled.overflowData()).contains("client too slow").contains("buffered events behind");
    List<String> received = stalled.eventIds();
    assertThat(received).isNotEmpty().hasSizeLessThan(events);
    for (int i = 0; i < received.size(); i++) {
      assertThat(received.get(i)).isEqualTo("bulk-" + i);
    }
    stalled.resumeDeliversTheRest(gw, domain, events);
  }
}
