package io.virtflow.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.EventType;

@ExtendWith(TestStack.class)
class EventsTest {
  private static VirtflowClient client;
  private static String name;
  private static String domainId;

  /** One domain defined, started, suspended and resumed; another one defined, whose events must not show. */
  @BeforeAll
  static void aDomainThatWentThroughFourTransitions() {
    client = TestStack.client();
    name = TestStack.uniqueName("ev");
    CommandOutcome defined = run(Commands.define(name, 1, 128));
    domainId = defined.domainId();
    run(Commands.define(TestStack.uniqueName("ev-other"), 1, 128));
    run(Commands.start(name));
    run(Commands.suspend(name));
    run(Commands.resume(domainId));
  }

  @AfterAll
  static void down() {
    client.close();
  }

  private static CommandOutcome run(io.virtflow.schema.CommandRequest r) {
    CommandOutcome o = client.submitOverHttp(r).toCompletableFuture().join();
    assertThat(o.status()).as(o.toString()).isEqualTo(CommandStatusCode.SUCCEEDED);
    return o;
  }

  @Test
  void receivesADomainsLifecycleInOrderAndResumesWithExactlyTheRest() {
    Collector all = new Collector(Long.MAX_VALUE);
    client.events(EventFilter.all().domain(domainId), Position.earliest()).subscribe(all);
    await().atMost(Duration.ofSeconds(20)).until(() -> all.items.size() >= 4);
    all.subscription.get().cancel();
    assertThat(all.items).extracting(e -> e.event().getType())
        .containsExactly(EventType.DEFINED, EventType.STARTED, EventType.SUSPENDED, EventType.RESUMED);
    assertThat(all.items).allSatisfy(e -> assertThat(e.event().getDomainName()).isEqualTo(name));

    // A consumer stored the second event's position as text and comes back with it.
    Position stored = Position.parse(all.items.get(1).position().toString());
    Collector rest = new Collector(Long.MAX_VALUE);
    client.events(EventFilter.all().domain(name), stored).subscribe(rest);
    await().atMost(Duration.ofSeconds(20)).until(() -> rest.items.size() >= 2);
    // Nothing more may come.
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> rest.items.size() == 2);
    rest.subscription.get().cancel();
    assertThat(rest.items).extracting(e -> e.event().getEventId())
        .containsExactlyElementsOf(all.items.subList(2, 4).stream().map(e -> e.event().getEventId()).toList());
    assertThat(rest.error.get()).isNull();
  }

  @Test
  void deliversNoMoreThanRequestedAndCancelStopsTheReader() {
    Collector slow = new Collector(1);
    client.events(EventFilter.all().domain(domainId), Position.earliest()).subscribe(slow);
    await().atMost(Duration.ofSeconds(20)).until(() -> slow.items.size() == 1);
    // Three more events are there to be read, but only one was requested.
    await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).until(() -> slow.items.size() == 1);

    slow.subscription.get().request(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> slow.items.size() == 2);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> slow.items.size() == 2);
    assertThat(slow.items).extracting(e -> e.event().getType()).containsExactly(EventType.DEFINED, EventType.STARTED);

    Thread reader = slow.thread.get();
    assertThat(reader.getName()).startsWith("virtflow-events-");
    slow.subscription.get().cancel();
    await().atMost(Duration.ofSeconds(10)).until(() -> !reader.isAlive());
  }

  @Test
  void aNonPositiveRequestIsAnError() {
    Collector wrong = new Collector(0);
    client.events(EventFilter.all(), Position.latest()).subscribe(wrong);
    wrong.subscription.get().request(0);
    await().atMost(Duration.ofSeconds(10)).until(() -> wrong.error.get() != null);
    assertThat(wrong.error.get()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("request(0)");
  }

  @Test
  void filtersByHostAndType() {
    Collector started = new Collector(Long.MAX_VALUE);
    client.events(EventFilter.all().host("host-1").types(EventType.STARTED), Position.earliest()).subscribe(started);
    await().atMost(Duration.ofSeconds(20)).until(() -> started.items.stream()
        .anyMatch(e -> e.event().getDomainId().equals(domainId)));
    started.subscription.get().cancel();
    assertThat(started.items).allSatisfy(e -> {
      assertThat(e.event().getType()).isEqualTo(EventType.STARTED);
      assertThat(e.event().getHostId()).isEqualTo("host-1");
    });
  }


  /** Requests {@code initial} items up front and keeps what it gets. */
  private static final class Collector implements Flow.Subscriber<LifecycleEvent> {
    final List<LifecycleEvent> items = new CopyOnWriteArrayList<>();
    final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final AtomicReference<Thread> thread = new AtomicReference<>();
    private final long initial;

    Collector(long initial) {
      this.initial = initial;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription.set(s);
      if (initial > 0) {
        s.request(initial);
      }
    }

    @Override
    public void onNext(LifecycleEvent item) {
      thread.set(Thread.currentThread());
      items.add(item);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onComplete() {
    }
  }
}
