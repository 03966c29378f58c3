package io.virtflow.devstack.cli;

import static io.virtflow.devstack.cli.CliStack.virtflow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.cli.CliStack.Run;

/**
 * {@code virtflow event}: virsh's lines, ends after the first event without {@code --loop}, filters, JSON
 * lines whose id resumes with {@code --since}, and a dropped connection resumed without a loss or a repeat.
 * The event verb talks through a {@link CuttableProxy}, whose byte count says when the stream is open.
 */
@ExtendWith(CliStack.class)
class EventCliTest {

  /** Runs {@code virtflow ARGS} through {@code proxy} on a thread of its own; returns its output as it grows. */
  private static Following follow(CuttableProxy proxy, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    long before = proxy.bytesDown();
    CompletableFuture<Run> run = CompletableFuture.supplyAsync(() -> CliStack.run(out, err,
        CliStack.withConnection(proxy.url(), CliStack.adminTokenFile(), args)));
    // The gateway writes ": connected" once the stream follows the events: from then on nothing is missed.
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.bytesDown() > before || run.isDone());
    return new Following(out, err, run);
  }

  private record Following(StringWriter out, StringWriter err, CompletableFuture<Run> run) {
    Run done() throws Exception {
      return run.get(20, TimeUnit.SECONDS);
    }
  }

  private static CuttableProxy proxy() throws Exception {
    return new CuttableProxy(URI.create(CliStack.url()).getPort());
  }

  @Test
  void withoutLoopItEndsAfterTheFirstEventAsVirshDoes() throws Exception {
    try (CuttableProxy proxy = proxy()) {
      Following f = follow(proxy, "event", "--domain", "ev1");
      assertThat(virtflow("define", "--name", "ev1", "--vcpus", "1", "--memory", "128").exit()).isZero();
      Run r = f.done();
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(r.out()).isEqualTo("event 'lifecycle' for domain 'ev1': Defined Added\nevents received: 1\n");
    }
  }

  @Test
  void loopFollowsEveryEventFilteredByTypeWithTimestamps() throws Exception {
    try (CuttableProxy proxy = proxy()) {
      Following f = follow(proxy, "event", "--domain", "ev2", "--type", "STARTED,STOPPED", "--loop", "--count", "3",
          "--timestamp");
      for (List<String> args : List.of(List.of("define", "--name", "ev2", "--vcpus", "1", "--memory", "128"),
          List.of("start", "ev2"), List.of("suspend", "ev2"), List.of("destroy", "ev2"), List.of("start", "ev2"))) {
        assertThat(virtflow(args.toArray(String[]::new)).exit()).as(args.toString()).isZero();
      }
      Run r = f.done();
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(r.lines()).hasSize(4);
      String time = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}: ";
      assertThat(r.lines().get(0)).matches(time + "event 'lifecycle' for domain 'ev2': Started Booted");
      assertThat(r.lines().get(1)).matches(time + "event 'lifecycle' for domain 'ev2': Stopped Destroyed");
      assertThat(r.lines().get(2)).matches(time + "event 'lifecycle' for domain 'ev2': Started Booted");
      assertThat(r.lines().get(3)).isEqualTo("events received: 3");
      virtflow("destroy", "ev2");
    }
  }

  @Test
  void jsonLinesCarryTheSseIdThatSinceResumesFrom() throws Exception {
    try (CuttableProxy proxy = proxy()) {
      Following f = follow(proxy, "event", "--domain", "ev3", "--loop", "--count", "3", "--json");
      virtflow("define", "--name", "ev3", "--vcpus", "1", "--memory", "128");
      virtflow("start", "ev3");
      virtflow("destroy", "ev3");
      Run r = f.done();
      assertThat(r.exit()).as(r.toString()).isZero();
      List<JsonObject> events = r.lines().stream().map(JsonObject::new).toList();
      assertThat(events).extracting(e -> e.getJsonObject("data").getString("type"))
          .containsExactly("DEFINED", "STARTED", "STOPPED");
      assertThat(events).allSatisfy(e -> assertThat(e.getString("id")).isNotBlank());

      // After the first event's position come exactly the other two, long after they happened.
      Run resumed = virtflow("event", "--domain", "ev3", "--loop", "--count", "2", "--since",
          events.get(0).getString("id"));
      assertThat(resumed.exit()).as(resumed.toString()).isZero();
      assertThat(resumed.lines()).containsExactly("event 'lifecycle' for domain 'ev3': Started Booted",
          "event 'lifecycle' for domain 'ev3': Stopped Destroyed", "events received: 2");
    }
  }

  @Test
  void aDroppedConnectionIsResumedAfterTheLastEventSeen() throws Exception {
    try (CuttableProxy proxy = proxy()) {
      Following f = follow(proxy, "event", "--domain", "ev4", "--loop", "--count", "3");
      virtflow("define", "--name", "ev4", "--vcpus", "1", "--memory", "128");
      await().atMost(Duration.ofSeconds(10)).until(() -> f.out().toString().contains("Defined Added"));
      int before = proxy.accepted();
      proxy.cutAll();
      virtflow("start", "ev4");
      virtflow("destroy", "ev4");
      Run r = f.done();
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(r.lines()).containsExactly("event 'lifecycle' for domain 'ev4': Defined Added",
          "event 'lifecycle' for domain 'ev4': Started Booted", "event 'lifecycle' for domain 'ev4': Stopped Destroyed",
          "events received: 3");
      assertThat(r.err()).startsWith("virtflow: event stream lost; resuming after p");
      assertThat(proxy.accepted()).isGreaterThan(before);
    }
  }

  @Test
  void timeoutEndsTheWaitWithTheCountSoFar() {
    Run r = virtflow("event", "--domain", "never-defined", "--timeout", "1");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("events received: 0\n");
  }

  @Test
  void aFilterTheGatewayRefusesIsBadInput() {
    Run r = virtflow("event", "--type", "EXPLODED");
    assertThat(r.exit()).isEqualTo(ExitCode.BAD_INPUT.code());
    assertThat(r.err()).startsWith("error: type: 'EXPLODED' is not an event type").endsWith("(INVALID_ARG)\n");
  }
}
