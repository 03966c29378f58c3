package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

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
    StalledStream stalled = StalledStream.run(gw, domain, () -> StalledStream.publish(bus, domain, 0, EVENTS, 900));
    assertThat(stalled.text()).startsWith("HTTP/1.1 200");
    assertThat(stalled.overflowId()).as("a last overflow event; the stream ended with: %s",
        stalled.text().substring(Math.max(0, stalled.text().length() - 500))).isNotNull();
    assertThat(stalled.overflowData()).contains("client too slow").contains(stalled.overflowId());
    assertThat(stalled.afterOverflow()).as("nothing after the overflow event").isEmpty();
    List<String> received = stalled.eventIds();
    assertThat(received).as("the slow client got part of the backlog").isNotEmpty().hasSizeLessThan(EVENTS);
    for (int i = 0; i < received.size(); i++) {
      assertThat(received.get(i)).isEqualTo("bulk-" + i);
    }

    stalled.resumeDeliversTheRest(gw, domain, EVENTS);
    System.out.printf("SlowEventClientTest: %d events; the stalled client got %d before its overflow event, "
        + "the resumed stream the other %d%n", EVENTS, received.size(), EVENTS - received.size());
  }

}
