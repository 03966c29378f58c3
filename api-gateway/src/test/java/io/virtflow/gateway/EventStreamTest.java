package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.StreamPosition;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.StateReason;

/** GET /v1/events: SSE with resumable ids, filters, keep-alives, a cap, and no loss under backpressure. */
class EventStreamTest {
  private static BusConfig bus;
  private static TestAgent h1;
  private static TestAgent h2;
  private static RunningGateway gw;
  private final List<SseClient> clients = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    h1 = TestAgent.start(bus, KafkaFixture.admin(), "h1");
    h2 = TestAgent.start(bus, KafkaFixture.admin(), "h2");
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.MAX_EVENT_STREAMS, "3",
        GatewayConfig.EVENT_HEARTBEAT_MS, "300"));
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    h1.close();
    h2.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(SseClient::close);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.openEventStreams() == 0);
  }

  private SseClient open(String query) {
    return open(query, null, false);
  }

  private SseClient open(String query, String lastEventId, boolean paused) {
    SseClient c = SseClient.open(gw, "/v1/events" + query, lastEventId, paused);
    clients.add(c);
    return c;
  }

  @Test
  void everyEventArrivesWithAResumableIdAndFiltersSelect() {
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    SseClient all = open("");
    SseClient byName = open("?domain=ev-a");
    SseClient byHostAndType = open("?host=h1&type=STARTED,STOPPED");
    assertThat(all.status).isEqualTo(200);
    assertThat(all.contentType).startsWith("text/event-stream");
    await().atMost(Duration.ofSeconds(5)).until(() -> all.comments.contains("connected"));

    h1.event(a, "ev-a", EventType.DEFINED, EventDetail.ADDED, DomainStateCode.SHUTOFF);
    h1.event(a, "ev-a", EventType.STARTED, EventDetail.BOOTED, DomainStateCode.RUNNING);
    h1.event(b, "ev-b", EventType.STARTED, EventDetail.BOOTED, DomainStateCode.RUNNING);
    h2.event(UUID.randomUUID().toString(), "ev-c", EventType.STARTED, EventDetail.BOOTED, DomainStateCode.RUNNING);

    List<SseClient.Event> seen = all.take(4, Duration.ofSeconds(10));
    assertThat(seen).extracting(e -> e.data().getString("domainName"))
        .containsExactlyInAnyOrder("ev-a", "ev-a", "ev-b", "ev-c");
    assertThat(seen.stream().filter(e -> e.data().getString("domainName").equals("ev-a")))
        .extracting(e -> e.data().getString("type")).containsExactly("DEFINED", "STARTED");
    JsonObject first = seen.get(0).data();
    assertThat(first.fieldNames()).contains("eventId", "domainId", "domainName", "hostId", "type", "detail", "state",
        "reason", "at", "commandId");
    for (SseClient.Event e : seen) {
      Map<Integer, Long> position = StreamPosition.parse(e.id()).orElseThrow();
      assertThat(position).hasSize(bus.partitions());
    }
    long total = seen.stream().mapToLong(e -> StreamPosition.parse(e.id()).orElseThrow().values().stream()
        .mapToLong(Long::longValue).sum()).max().orElseThrow();
    assertThat(total).isEqualTo(4);

    assertThat(byName.take(2, Duration.ofSeconds(10))).extracting(e -> e.data().getString("type"))
        .containsExactly("DEFINED", "STARTED");
    assertThat(byHostAndType.take(2, Duration.ofSeconds(10))).extracting(e -> e.data().getString("domainName"))
        .containsExactlyInAnyOrder("ev-a", "ev-b");
    // Three streams are the cap of this gateway: make room for a fourth.
    all.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.openEventStreams() == 2);
    SseClient byId = open("?domain=" + b.toUpperCase() + "&lastEventId=" + StreamPosition.format(Map.of(0, 0L, 1, 0L, 2, 0L)));
    assertThat(byId.take(1, Duration.ofSeconds(10)).get(0).data().getString("domainName")).isEqualTo("ev-b");
    assertThat(byName.drain(Duration.ofMillis(300))).isEmpty();
    assertThat(byHostAndType.drain(Duration.ofMillis(100))).isEmpty();
  }

  @Test
  void reconnectingWithLastEventIdGetsExactlyTheEventsAfterIt() {
    String r = UUID.randomUUID().toString();
    String other = UUID.randomUUID().toString();
    SseClient first = open("");
    for (int i = 0; i < 6; i++) {
      h1.event(r, "resume-r", EventType.SUSPENDED, EventDetail.PAUSED, DomainStateCode.PAUSED);
      h1.event(other, "resume-o", EventType.RESUMED, EventDetail.UNPAUSED, DomainStateCode.RUNNING);
    }
    List<SseClient.Event> seen = first.take(12, Duration.ofSeconds(10));
    first.close();
    SseClient.Event third = seen.get(2);
    List<String> after = seen.subList(3, 12).stream().map(SseClient.Event::eventId).toList();

    // Two more while the client is away.
    h1.event(r, "resume-r", EventType.STOPPED, EventDetail.DESTROYED, DomainStateCode.SHUTOFF);
    h1.event(other, "resume-o", EventType.STOPPED, EventDetail.SHUTDOWN, DomainStateCode.SHUTOFF);

    SseClient again = open("", third.id(), false);
    List<SseClient.Event> resumed = again.take(11, Duration.ofSeconds(10));
    // Across partitions the interleaving may differ from the first stream's; within a domain it may not.
    assertThat(resumed.stream().filter(e -> !e.data().getString("type").equals("STOPPED")))
        .extracting(SseClient.Event::eventId).containsExactlyInAnyOrderElementsOf(after);
    assertThat(resumed.stream().filter(e -> e.data().getString("type").equals("STOPPED"))).hasSize(2);
    List<String> rAfter = seen.subList(3, 12).stream().filter(e -> e.data().getString("domainName").equals("resume-r"))
        .map(SseClient.Event::eventId).toList();
    assertThat(resumed.stream().filter(e -> e.data().getString("domainName").equals("resume-r"))
        .filter(e -> !e.data().getString("type").equals("STOPPED")).map(SseClient.Event::eventId))
        .containsExactlyElementsOf(rAfter);
    assertThat(again.drain(Duration.ofMillis(300))).isEmpty();

    // The query parameter does the same, with a filter.
    SseClient filtered = open("?domain=resume-r&lastEventId=" + third.id());
    List<SseClient.Event> onlyR = filtered.take(1, Duration.ofSeconds(10));
    List<String> expected = new ArrayList<>(seen.subList(3, 12).stream()
        .filter(e -> e.data().getString("domainName").equals("resume-r")).map(SseClient.Event::eventId).toList());
    onlyR.addAll(filtered.take(expected.size(), Duration.ofSeconds(10)));
    assertThat(onlyR.subList(0, expected.size())).extracting(SseClient.Event::eventId).containsExactlyElementsOf(expected);
    assertThat(onlyR.get(expected.size()).data().getString("type")).isEqualTo("STOPPED");
  }

  @Test
  void keepAlivesFlowAndADisconnectStopsTheReader() {
    SseClient c = open("");
    await().atMost(Duration.ofSeconds(5)).until(() -> c.comments.contains("keep-alive"));
    assertThat(gw.gateway.openEventStreams()).isEqualTo(1);
    c.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.openEventStreams() == 0);
  }

  @Test
  void beyondTheCapAStreamIsRefusedWith503() {
    open("");
    open("");
    SseClient third = open("");
    assertThat(third.status).isEqualTo(200);
    SseClient fourth = open("");
    assertThat(fourth.status).isEqualTo(503);
    assertThat(new JsonObject(fourth.errorBody).getString("code")).isEqualTo("BUSY");
    third.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.openEventStreams() == 2);
    assertThat(open("").status).isEqualTo(200);
  }

  @Test
  void aSlowClientLosesNothing() throws Exception {
    SseClient slow = open("?domain=bulk", null, true);
    assertThat(slow.status).isEqualTo(200);
    int n = 3000;
    String id = UUID.randomUUID().toString();
    String longName = "bulk";
    try (var producer = new KafkaProducer<String, byte[]>(KafkaSettings.producer(bus.bootstrap(), "bulk", 10_000))) {
      for (int i = 0; i < n; i++) {
        DomainEvent e = DomainEvent.newBuilder().setEventId("bulk-" + i).setDomainId(id).setDomainName(longName)
            .setHostId("h1").setType(EventType.SUSPENDED).setDetail(EventDetail.PAUSED).setState(DomainStateCode.PAUSED)
            .setReason(StateReason.USER).setAt(java.time.Instant.now()).setCommandId("x".repeat(900)).build();
        producer.send(new ProducerRecord<>(bus.topics().vmEvents(), id, Codecs.DOMAIN_EVENT.encode(e)));
      }
      producer.flush();
    }
    // The client is paused: give the 3000 events time to pile up against it, so the gateway's reader really
    // has to wait for the write queue to drain. Not an assertion: without the pause the test checks less.
    Thread.sleep(500);
    slow.resume();
    List<SseClient.Event> got = slow.take(n, Duration.ofSeconds(30));
    for (int i = 0; i < n; i++) {
      assertThat(got.get(i).eventId()).isEqualTo("bulk-" + i);
    }
  }
}
