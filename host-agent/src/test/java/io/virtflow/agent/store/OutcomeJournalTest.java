package io.virtflow.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Job;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;

class OutcomeJournalTest {
  private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.089Z");
  private static final String DOMAIN = "6f1c9b7e-8a34-4b5e-9d2a-0c7e5f3a1b20";

  @TempDir
  Path dataDir;

  private static CommandRef ref(String commandId, String operation) {
    return new CommandRef(commandId, DOMAIN, "h1", operation, "alice", "key-1", "hash-1");
  }

  private static Outcome startedWeb1(String commandId) {
    return Outcome.succeeded(ref(commandId, "Start"), null, State.RUNNING, T0, "web1", List.of(
        new RecordedEvent(UUID.fromString("00000000-0000-0000-0000-000000000001"),
            new Event(Event.Type.STARTED, Event.Detail.BOOTED, State.RUNNING, Reason.BOOTED), T0)));
  }

  @Test
  void everyRecordIsThereAfterReopeningExactlyAsWritten() throws IOException {
    Outcome started = startedWeb1("c1");
    Outcome rejected = Outcome.refused(ref("c2", "Resume"), Outcome.Status.REJECTED, Fault.OPERATION_INVALID,
        "cannot resume domain 'web1': it is running", State.RUNNING, T0.plusMillis(5));
    Outcome cancelled = Outcome.cancelled(ref("c3", "Suspend"), "c4", T0);
    Intent intent = new Intent("c5", DOMAIN, "web1", Request.startPaused(), 3, State.SHUTOFF, Reason.DESTROYED, T0);
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      journal.recordIntent(new Intent("c1", DOMAIN, "web1", Request.of(Operation.START), 1, State.SHUTOFF,
          Reason.UNKNOWN, T0));
      journal.recordOutcome(started);
      journal.recordOutcome(rejected);
      journal.recordOutcome(cancelled);
      journal.recordIntent(intent);
      journal.recordCancellation("c9", "c10");
    }

    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      assertThat(journal.outcome("c1")).contains(started);
      assertThat(journal.outcome("c2")).contains(rejected);
      assertThat(journal.outcome("c3")).contains(cancelled);
      assertThat(journal.outcome("c5")).isEmpty();
      assertThat(journal.unfinishedIntent("c5")).contains(intent);
      assertThat(journal.unfinishedIntent("c1")).as("c1 has its outcome").isEmpty();
      assertThat(journal.started("c1")).isTrue();
      assertThat(journal.started("c2")).isFalse();
      assertThat(journal.pendingCancellation("c9")).contains("c10");
      assertThat(journal.pendingCancellation("c1")).isEmpty();
      assertThat(journal.outcomeCount()).isEqualTo(3);
    }
  }

  @Test
  void stepsJobsAndResultsSurviveReopening() throws IOException {
    DiskStep overlay = new DiskStep(DiskStep.Kind.CREATE_OVERLAY, "vda", "/pool/" + DOMAIN + "-vda-s1.qcow2", null,
        "/pool/" + DOMAIN + "-vda.qcow2", null, false);
    Intent step = new Intent("c1", DOMAIN, "web1", null, overlay, 2, State.RUNNING, Reason.BOOTED, T0);
    Intent job = new Intent("c2", DOMAIN, "web1", null, null, 2, State.RUNNING, Reason.BOOTED, T0);
    Intent undefine = new Intent("c3", DOMAIN, "web1", Request.undefine(true, true), 2, State.RUNNING,
        Reason.BOOTED, T0);
    CommandRef inJob = new CommandRef("c4", DOMAIN, "h1", "InspectDisks", "alice", null, null, "j1");
    Outcome inspected = Outcome.succeeded(inJob, null, State.RUNNING, T0, "web1", List.of(), false,
        "{\"disks\":{}}");
    Outcome moved = Outcome.succeeded(ref("c5", "RunStep"), "disk vda moved", State.RUNNING, T0, "web1", List.of(),
        true, null);
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      journal.recordIntent(step);
      journal.recordIntent(job);
      journal.recordIntent(undefine);
      journal.recordOutcome(inspected);
      journal.recordOutcome(moved);
      journal.recordJob(new Job(DOMAIN, "j1", "snapshot 's1'", T0.plusSeconds(60)));
      journal.recordJob(new Job("other", "j2", "revert", T0.plusSeconds(60)));
      journal.recordJobEnd("other", "j2");
      journal.recordJobEnd(DOMAIN, "not-the-holder");
    }
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      assertThat(journal.unfinishedIntent("c1")).contains(step);
      assertThat(journal.unfinishedIntent("c2")).contains(job);
      assertThat(journal.unfinishedIntent("c3")).contains(undefine);
      assertThat(journal.outcome("c4")).contains(inspected);
      assertThat(journal.outcome("c5")).contains(moved);
      assertThat(journal.outcome("c5").orElseThrow().changedDomain()).isTrue();
      assertThat(journal.job(DOMAIN)).contains(new Job(DOMAIN, "j1", "snapshot 's1'", T0.plusSeconds(60)));
      assertThat(journal.job("other")).isEmpty();
    }
  }

  /**
   * Group commit: appends from many threads at once (as different domains' commands do) each return only
   * once their line is synced, and every line is whole and there after reopening. The syncs are shared,
   * so there are at most as many as lines (usually far fewer; printed, not asserted: it depends on timing).
   */
  @Test
  void concurrentAppendsAreAllDurableAndShareSyncs() throws Exception {
    int threads = 8;
    int each = 50;
    long syncs;
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            journal.recordOutcome(startedWeb1("c-" + thread + "-" + i));
          }
          return null;
        }));
      }
      for (var f : done) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
      pool.shutdown();
      syncs = journal.syncs();
      assertThat(syncs).isBetween(1L, (long) threads * each);
    }
    try (OutcomeJournal again = OutcomeJournal.open(dataDir)) {
      assertThat(again.outcomeCount()).isEqualTo(threads * each);
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < each; i++) {
          assertThat(again.outcome("c-" + t + "-" + i)).contains(startedWeb1("c-" + t + "-" + i));
        }
      }
    }
    System.out.printf("OutcomeJournalTest: %d lines from %d threads, %d syncs%n", threads * each, threads, syncs);
  }

  @Test
  void aTornLastLineLeftByACrashIsCutOffAndAppendingGoesOn() throws IOException {
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      journal.recordOutcome(startedWeb1("c1"));
    }
    Path file = dataDir.resolve(OutcomeJournal.FILE);
    long intact = Files.size(file);
    Files.writeString(file, "{\"kind\":\"outcome\",\"commandId\":\"c2\",\"sta", StandardOpenOption.APPEND);

    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      assertThat(Files.size(file)).isEqualTo(intact);
      assertThat(journal.outcome("c2")).isEmpty();
      journal.recordOutcome(startedWeb1("c3"));
    }
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      assertThat(journal.outcome("c1")).isPresent();
      assertThat(journal.outcome("c3")).isPresent();
    }
  }

  @Test
  void aDamagedCompleteLineStopsTheOpenNamingTheLine() throws IOException {
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      journal.recordOutcome(startedWeb1("c1"));
    }
    Files.writeString(dataDir.resolve(OutcomeJournal.FILE), "garbage\n", StandardOpenOption.APPEND);
    assertThatThrownBy(() -> OutcomeJournal.open(dataDir)).isInstanceOf(IOException.class)
        .hasMessageContaining("line 2 is damaged");
  }

  @Test
  void eachRecordIsOneJsonLine() throws IOException {
    try (OutcomeJournal journal = OutcomeJournal.open(dataDir)) {
      journal.recordOutcome(startedWeb1("c1"));
      journal.recordCancellation("c2", "c3");
    }
    List<String> lines = Files.readAllLines(dataDir.resolve(OutcomeJournal.FILE), StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith("{\"kind\":\"outcome\",\"commandId\":\"c1\"")
        .contains("\"eventId\":\"00000000-0000-0000-0000-000000000001\"");
    assertThat(lines.get(1)).isEqualTo("{\"kind\":\"cancel\",\"targetCommandId\":\"c2\",\"cancelCommandId\":\"c3\"}");
  }

  // ---- intent resolution -------------------------------------------------------------------------

  private static Domain web1(long version, State state) {
    return new Domain(DOMAIN, "web1", state, Reason.BOOTED, 1, 512, List.<Disk>of(), true, false, version, "alice",
        T0);
  }

  @Test
  void anIntentWhoseDomainMovedOnTookEffect() {
    Intent start = new Intent("c1", DOMAIN, "web1", Request.of(Operation.START), 4, State.SHUTOFF, Reason.SHUTDOWN, T0);
    assertThat(start.effectHappened(Optional.of(web1(5, State.RUNNING)))).isTrue();
    assertThat(start.effectHappened(Optional.of(web1(4, State.SHUTOFF)))).isFalse();
    assertThat(start.impliedTransition()).isInstanceOfSatisfying(Transition.Accepted.class, a ->
        assertThat(a.events()).containsExactly(
            new Event(Event.Type.STARTED, Event.Detail.BOOTED, State.RUNNING, Reason.BOOTED)));
  }

  @Test
  void aDefineTookEffectWhenTheDomainExistsAnUndefineWhenItIsGone() {
    Intent define = new Intent("c1", DOMAIN, "web1", Request.of(Operation.DEFINE), Domain.ABSENT, null, null, T0);
    assertThat(define.effectHappened(Optional.empty())).isFalse();
    assertThat(define.effectHappened(Optional.of(web1(1, State.SHUTOFF)))).isTrue();
    assertThat(define.impliedTransition()).isInstanceOfSatisfying(Transition.Accepted.class, a ->
        assertThat(a.events()).extracting(Event::type).containsExactly(Event.Type.DEFINED));

    Intent undefine = new Intent("c2", DOMAIN, "web1", Request.undefine(true), 7, State.RUNNING, Reason.BOOTED, T0);
    assertThat(undefine.effectHappened(Optional.of(web1(7, State.RUNNING)))).isFalse();
    assertThat(undefine.effectHappened(Optional.empty())).isTrue();
    assertThat(undefine.impliedTransition()).isInstanceOfSatisfying(Transition.Accepted.class, a ->
        assertThat(a.events()).extracting(Event::type).containsExactly(Event.Type.STOPPED, Event.Type.UNDEFINED));
  }

  @Test
  void anIntentKnowsAStateBeforeOnlyWithAVersionBefore() {
    assertThatThrownBy(() -> new Intent("c", DOMAIN, "w", Request.of(Operation.START), 0, State.SHUTOFF, null, T0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- epoch -------------------------------------------------------------------------------------

  @Test
  void theEpochGrowsByOneOnEveryStart() throws IOException {
    assertThat(AgentEpoch.next(dataDir)).isEqualTo(1);
    assertThat(AgentEpoch.next(dataDir)).isEqualTo(2);
    assertThat(AgentEpoch.next(dataDir)).isEqualTo(3);
    assertThat(Files.readString(dataDir.resolve(AgentEpoch.FILE))).isEqualTo("3");
  }

  @Test
  void aDataDirectoryTakesOneAgent() throws IOException {
    DataDirLock first = DataDirLock.acquire(dataDir);
    assertThatThrownBy(() -> DataDirLock.acquire(dataDir)).isInstanceOf(IOException.class)
        .hasMessageContaining("in use by another agent");
    first.close();
    DataDirLock.acquire(dataDir).close();
  }
}
