package io.virtflow.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.CommandTrack;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Role;
import io.virtflow.gateway.domain.Refusal;
import io.virtflow.gateway.domain.RevertStart;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotKind;
import io.virtflow.gateway.domain.SnapshotSpec;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.gateway.domain.Submission;

/** The command path against a fake sink whose every answer the test gives by hand. */
class CommandServiceTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Principal ADMIN = new Principal("admin", Role.ADMIN, java.util.Set.of("default"));

  /** A sink that fails the test on nothing but records everything and answers when told. */
  static final class FakeSink implements CommandSink {
    final List<String> calls = new ArrayList<>();
    final List<CommandDraft> published = new ArrayList<>();
    final List<Promise<Void>> acks = new ArrayList<>();
    final List<StatusUpdate> statuses = new ArrayList<>();
    Future<Void> ensureResult = Future.succeededFuture();
    Future<Void> statusResult = Future.succeededFuture();

    @Override
    public Future<Void> ensureHostTopic(String hostId) {
      calls.add("ensure " + hostId);
      return ensureResult;
    }

    @Override
    public Future<Void> publish(CommandDraft command) {
      calls.add("publish " + command.operation().name());
      published.add(command);
      Promise<Void> p = Promise.promise();
      acks.add(p);
      return p.future();
    }

    @Override
    public Future<Void> publishSnapshotRequest(CommandDraft request) {
      calls.add("request " + request.operation().name());
      published.add(request);
      Promise<Void> p = Promise.promise();
      acks.add(p);
      return p.future();
    }

    @Override
    public Future<Void> publishStatus(StatusUpdate status) {
      calls.add("status " + status.phase());
      statuses.add(status);
      return statusResult;
    }
  }

  private final AtomicLong seq = new AtomicLong();
  private final FakeSink sink = new FakeSink();
  private final GatewayState state = new GatewayState(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(10), 1000);
  private final CommandService service = new CommandService(state, sink, () -> new UUID(0, seq.incrementAndGet()),
      Duration.ofMinutes(5));

  CommandServiceTest() {
    state.hostReported(new HostView("h1", true, 1, "sim", NOW, NOW, NOW, 8, 65536, 0, 0, 0));
  }

  private static Submission define(String name, String key, String hash) {
    return new Submission(ADMIN, new Operation.Define(new DefineSpec(name, null, 1, 512, List.of())), null, key,
        hash, null);
  }

  private static Submission start(String ref) {
    return new Submission(ADMIN, new Operation.Start(false), ref, null, "h", null);
  }

  @Test
  void acceptedOnlyOnceKafkaAcknowledgedTheCommandThenTheStatusIsWritten() {
    Future<Accepted> answer = service.submit(define("web", null, "h"));
    assertThat(answer.isComplete()).isFalse();
    assertThat(sink.calls).containsExactly("ensure h1", "publish Define");
    assertThat(state.commands().size()).isZero();

    sink.acks.get(0).complete();
    assertThat(answer.succeeded()).isTrue();
    assertThat(answer.result().commandId()).isEqualTo(sink.published.get(0).commandId());
    assertThat(answer.result().replayed()).isFalse();
    assertThat(sink.calls).containsExactly("ensure h1", "publish Define", "status ACCEPTED");
    assertThat(state.commands().find(answer.result().commandId()))
        .hasValueSatisfying(t -> assertThat(t.phase()).isEqualTo(Phase.ACCEPTED));
  }

  @Test
  void aFailedStatusWriteStillAcceptsTheDurableCommand() {
    sink.statusResult = Future.failedFuture("status topic down");
    Future<Accepted> answer = service.submit(define("web", null, "h"));
    sink.acks.get(0).complete();
    assertThat(answer.succeeded()).isTrue();
  }

  @Test
  void aFailedCommandWriteAcceptsNothingAndFreesTheName() {
    Future<Accepted> answer = service.submit(define("web", "k", "h"));
    sink.acks.get(0).fail(new org.apache.kafka.common.errors.TimeoutException("expired"));
    assertThat(answer.cause()).isInstanceOf(BusUnavailable.class).hasMessageContaining("nothing was accepted");
    assertThat(sink.statuses).isEmpty();
    assertThat(state.pending().nameTaken("web")).isFalse();
    assertThat(state.commands().size()).isZero();

    // The same key may be tried again: it publishes anew.
    Future<Accepted> retry = service.submit(define("web", "k", "h"));
    assertThat(sink.published).hasSize(2);
    sink.acks.get(1).complete();
    assertThat(retry.succeeded()).isTrue();
  }

  @Test
  void aHostTopicThatCannotBeCreatedAcceptsNothing() {
    sink.ensureResult = Future.failedFuture("admin timeout");
    Future<Accepted> answer = service.submit(define("web", null, "h"));
    assertThat(answer.cause()).isInstanceOf(BusUnavailable.class);
    assertThat(sink.published).isEmpty();
    assertThat(state.pending().nameTaken("web")).isFalse();
  }

  @Test
  void theSameKeyInFlightSharesTheOneCommand() {
    Future<Accepted> first = service.submit(define("web", "k", "h"));
    Future<Accepted> second = service.submit(define("web", "k", "h"));
    Future<Accepted> other = service.submit(define("web", "k", "other-hash"));
    assertThat(other.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.KEY_REUSED));
    assertThat(sink.published).hasSize(1);
    sink.acks.get(0).complete();
    assertThat(second.result().commandId()).isEqualTo(first.result().commandId());
    assertThat(second.result().replayed()).isTrue();

    Future<Accepted> later = service.submit(define("web", "k", "h"));
    assertThat(later.result()).isEqualTo(new Accepted(first.result().commandId(), first.result().domainId(), true));
    assertThat(sink.published).hasSize(1);
  }

  @Test
  void twoDefinesOfOneNameCannotBothBeInFlight() {
    service.submit(define("web", null, "h"));
    Future<Accepted> second = service.submit(define("web", null, "h2"));
    assertThat(second.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT));
    assertThat(sink.published).hasSize(1);
  }

  @Test
  void aPendingDefineIsAddressableOnceAcknowledged() {
    Future<Accepted> define = service.submit(define("web", null, "h"));
    assertThat(service.submit(start("web")).cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.NOT_FOUND));
    sink.acks.get(0).complete();
    service.submit(start("web"));
    service.submit(start(define.result().domainId().toUpperCase()));
    assertThat(sink.published).hasSize(3);
    assertThat(sink.published.get(1).domainId()).isEqualTo(define.result().domainId());
    assertThat(sink.published.get(1).hostId()).isEqualTo("h1");
    assertThat(sink.published.get(2).domainId()).isEqualTo(define.result().domainId());
  }

  @Test
  void aRequestMayShortenTheDeadlineButNotLengthenIt() {
    service.submit(new Submission(ADMIN, new Operation.Define(new DefineSpec("a", null, 1, 16, List.of())), null,
        null, "h", Duration.ofSeconds(5)));
    Future<Accepted> longer = service.submit(new Submission(ADMIN,
        new Operation.Define(new DefineSpec("b", null, 1, 16, List.of())), null, null, "h", Duration.ofHours(5)));
    assertThat(sink.published).hasSize(1);
    assertThat(sink.published.get(0).deadline()).isEqualTo(NOW.plusSeconds(5));
    // The same rule for every door (HTTP's ?timeoutMs=, the Kafka door's timeoutMs): refused, not clamped.
    assertThat(longer.cause()).isInstanceOfSatisfying(Refusal.class, r -> {
      assertThat(r.field()).isEqualTo("timeoutMs");
      assertThat(r.getMessage()).isEqualTo("timeoutMs: must be between 1 and 300000, got 18000000");
    });
  }

  @Test
  void cancelNeedsAKnownUnfinishedCommand() {
    Future<Accepted> unknown = service.submit(new Submission(ADMIN, new Operation.Cancel("nope"), null, null, "h",
        null));
    assertThat(unknown.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.NOT_FOUND));

    Future<Accepted> define = service.submit(define("web", null, "h"));
    sink.acks.get(0).complete();
    String id = define.result().commandId();
    service.submit(new Submission(ADMIN, new Operation.Cancel(id), null, null, "h", null));
    assertThat(sink.published.get(1).domainId()).isEqualTo(define.result().domainId());
    assertThat(sink.published.get(1).hostId()).isEqualTo("h1");

    state.statusReported(new StatusUpdate(id, null, null, "Define", Phase.SUCCEEDED, null, null, null, NOW, null, null,
        null, null, null));
    Future<Accepted> late = service.submit(new Submission(ADMIN, new Operation.Cancel(id), null, null, "h", null));
    assertThat(late.cause()).isInstanceOfSatisfying(Refusal.class, r -> {
      assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT);
      assertThat(r.getMessage()).contains("SUCCEEDED");
    });
  }

  @Test
  void withoutAnUpHostADefineCannotBePlaced() {
    GatewayState empty = new GatewayState(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(10), 1000);
    empty.hostReported(new HostView("h9", true, 1, "sim", NOW.minusSeconds(60), NOW, NOW, 8, 65536, 0, 0, 0));
    CommandService s = new CommandService(empty, sink, UUID::randomUUID, Duration.ofMinutes(5));
    assertThat(s.submit(define("web", null, "h")).cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.UNAVAILABLE));
    assertThat(sink.calls).isEmpty();
  }
  private String knownDomain(String name) {
    String id = new UUID(1, seq.incrementAndGet()).toString();
    state.domainChanged(new DomainView(id, name, "h1", "SHUTOFF", "UNKNOWN", 1, 512, List.of(), 0, 1, "anonymous", NOW));
    return id;
  }

  private static Submission snapshot(Operation op, String ref) {
    return new Submission(ADMIN, op, ref, null, "h", null);
  }

  private static SnapshotCatalogView oneSnapshot(String name) {
    return new SnapshotCatalogView(List.of(new SnapshotCatalogView.SnapshotView(name, null, SnapshotKind.INTERNAL, null,
        "SHUTOFF", false, false, false, NOW, List.of())), name);
  }

  @Test
  void aSnapshotRequestGoesToTheSnapshotServiceAndIsAcceptedLikeACommand() {
    String id = knownDomain("web");
    Future<Accepted> answer = service.submit(snapshot(new Operation.CreateSnapshot(new SnapshotSpec("s1",
        SnapshotKind.INTERNAL, null, false, false)), "web"));
    assertThat(sink.calls).containsExactly("request CreateSnapshot");
    sink.acks.get(0).complete();
    assertThat(answer.result().domainId()).isEqualTo(id);
    assertThat(sink.calls).containsExactly("request CreateSnapshot", "status ACCEPTED");
    assertThat(sink.statuses.get(0).operation()).isEqualTo("CreateSnapshot");
    assertThat(sink.statuses.get(0).hostId()).isEqualTo("h1");
    assertThat(sink.published.get(0).deadline()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));

    Future<Accepted> failed = service.submit(snapshot(new Operation.ReconcileSnapshots(), id));
    sink.acks.get(1).fail(new IllegalStateException("broker gone"));
    assertThat(failed.cause()).isInstanceOf(BusUnavailable.class);
    assertThat(sink.statuses).hasSize(1);
  }

  @Test
  void snapshotRequestsAreCheckedBeforeTheDomainAndAgainstItsCatalog() {
    String id = knownDomain("web");
    state.snapshotWorkflowEnded(id, "c0", oneSnapshot("s1"));
    Future<Accepted> badName = service.submit(snapshot(new Operation.CreateSnapshot(new SnapshotSpec("a b",
        SnapshotKind.INTERNAL, null, false, false)), "ghost"));
    assertThat(badName.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.INVALID));
    Future<Accepted> dup = service.submit(snapshot(new Operation.CreateSnapshot(new SnapshotSpec("s1",
        SnapshotKind.EXTERNAL, null, false, false)), "web"));
    assertThat(dup.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT));
    Future<Accepted> missing = service.submit(snapshot(new Operation.RevertSnapshot("s2", RevertStart.KEEP, false),
        "web"));
    assertThat(missing.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.code()).isEqualTo(FailureCode.NO_SNAPSHOT));
    Future<Accepted> undefine = service.submit(snapshot(new Operation.Undefine(true, false, false), "web"));
    assertThat(undefine.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.getMessage()).startsWith("domain 'web' has 1 snapshot;"));
    assertThat(sink.calls).isEmpty();

    service.submit(snapshot(new Operation.Undefine(false, true, false), "web"));
    service.submit(snapshot(new Operation.DeleteSnapshot("s1", true, false, false), "web"));
    assertThat(sink.calls).containsExactly("ensure h1", "publish Undefine", "request DeleteSnapshot");
  }

  @Test
  void aSnapshotRequestCannotBeCancelled() {
    knownDomain("web");
    Future<Accepted> reconcile = service.submit(snapshot(new Operation.ReconcileSnapshots(), "web"));
    sink.acks.get(0).complete();
    Future<Accepted> cancel = service.submit(new Submission(ADMIN,
        new Operation.Cancel(reconcile.result().commandId()), null, null, "h", null));
    assertThat(cancel.cause()).isInstanceOfSatisfying(Refusal.class, r -> {
      assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT);
      assertThat(r.code()).isEqualTo(FailureCode.OPERATION_UNSUPPORTED);
    });
    assertThat(sink.published).hasSize(1);
  }

  private StatusUpdate ended(String commandId, String operation, Phase phase) {
    return new StatusUpdate(commandId, "d1", "h1", operation, phase, null, null, null, NOW, null, null, null, null, null);
  }

  @Test
  void aSnapshotCommandEndsForItsWatchersOnlyOnceItsCatalogIsIn() {
    List<String> woken = new ArrayList<>();
    state.onTerminal("c1", t -> woken.add(t.commandId()));
    state.statusReported(ended("c1", "CreateSnapshot", Phase.SUCCEEDED));
    CommandTrack c1 = state.commands().find("c1").orElseThrow();
    assertThat(c1.terminal()).isTrue();
    assertThat(state.ended(c1)).isFalse();
    assertThat(woken).isEmpty();
    state.snapshotWorkflowEnded("d1", "c1", oneSnapshot("s1"));
    assertThat(woken).containsExactly("c1");
    assertThat(state.ended(c1)).isTrue();

    // The event first, then the status: at once.
    state.snapshotWorkflowEnded("d1", "c2", oneSnapshot("s1"));
    state.onTerminal("c2", t -> woken.add(t.commandId()));
    state.statusReported(ended("c2", "DeleteSnapshot", Phase.FAILED));
    assertThat(woken).containsExactly("c1", "c2");

    // Refusals and reconciles publish no catalog: at once.
    state.onTerminal("c3", t -> woken.add(t.commandId()));
    state.statusReported(ended("c3", "RevertSnapshot", Phase.REJECTED));
    state.onTerminal("c4", t -> woken.add(t.commandId()));
    state.statusReported(ended("c4", "ReconcileSnapshots", Phase.SUCCEEDED));
    assertThat(woken).containsExactly("c1", "c2", "c3", "c4");
  }

  @Test
  void aSnapshotCommandWhoseCatalogNeverComesEndsAfterTheGrace() {
    MutableClock clock = new MutableClock(NOW);
    GatewayState s = new GatewayState(clock, Duration.ofSeconds(10), 1000);
    List<String> woken = new ArrayList<>();
    s.onTerminal("c1", t -> woken.add(t.commandId()));
    s.statusReported(ended("c1", "RevertSnapshot", Phase.SUCCEEDED));
    clock.now = NOW.plus(GatewayState.CATALOG_GRACE).minusMillis(1);
    s.sweep();
    assertThat(woken).isEmpty();
    clock.now = NOW.plus(GatewayState.CATALOG_GRACE);
    s.sweep();
    assertThat(woken).containsExactly("c1");
    assertThat(s.ended(s.commands().find("c1").orElseThrow())).isTrue();
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aViewerMayReadAConsoleButSendNothingElse() {
    Principal viewer = new Principal("vic", Role.VIEWER, java.util.Set.of("default"));
    String id = UUID.randomUUID().toString();
    state.domainChanged(new DomainView(id, "con", "h1", "RUNNING", "BOOTED", 1, 512, List.of(), 0, 1, "admin", NOW,
        "default"));
    Future<Accepted> read = service.submit(new Submission(viewer, new Operation.ReadConsole(10), "con", null, null,
        Duration.ofSeconds(3)));
    assertThat(sink.published).singleElement().satisfies(d -> {
      assertThat(d.operation()).isEqualTo(new Operation.ReadConsole(10));
      assertThat(d.hostId()).isEqualTo("h1");
      assertThat(d.deadline()).isEqualTo(NOW.plusSeconds(3));
    });
    sink.acks.get(0).complete();
    assertThat(read.succeeded()).isTrue();
    Future<Accepted> start = service.submit(new Submission(viewer, new Operation.Start(false), "con", null, null,
        null));
    assertThat(start.cause()).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.code()).isEqualTo(FailureCode.ACCESS_DENIED));
  }

  @Test
  void onlyTheLatestConsoleLogsAreKeptInMemory() {
    List<CommandTrack> tracks = new ArrayList<>();
    for (int i = 0; i <= GatewayState.CONSOLE_RESULTS_KEPT; i++) {
      String id = new UUID(7, i).toString();
      state.statusReported(new StatusUpdate(id, "d", "h1", "ReadConsole", Phase.SUCCEEDED, null, null, null, NOW,
          "admin", null, null, "log " + i, null));
      tracks.add(state.commands().find(id).orElseThrow());
    }
    assertThat(tracks.get(0).result()).isNull();
    assertThat(tracks.get(1).result()).isEqualTo("log 1");
    int last = GatewayState.CONSOLE_RESULTS_KEPT;
    assertThat(tracks.get(last).result()).isEqualTo("log " + last);
    // Other commands keep their result (a reconcile's report).
    state.statusReported(new StatusUpdate("r", "d", "h1", "ReconcileSnapshots", Phase.SUCCEEDED, null, null, null, NOW,
        "admin", null, null, "{}", null));
    assertThat(state.commands().find("r").orElseThrow().result()).isEqualTo("{}");
  }
}
