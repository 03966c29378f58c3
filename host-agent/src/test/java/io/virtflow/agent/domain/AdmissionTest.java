package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Whether a command whose turn has come runs, and the order in which the rules apply. */
class AdmissionTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant DEADLINE = NOW.plus(Duration.ofSeconds(30));
  private static final String D = "0b8d6f3c-3a57-4d8e-9f65-3c0b8a1e2f40";
  private static final Job SNAPSHOTTING = new Job(D, "j1", "snapshot 's1'", NOW.plus(Duration.ofMinutes(10)));
  private static final String BUSY = "domain 'web1' is busy with job j1 (snapshot 's1') until 2026-03-01T10:10:00Z";

  /**
   * What the journal and the clock say about one command; the journal's outcome and intent are strings here
   * (Admission does not look into them).
   */
  private record Turn(Optional<String> recorded, Optional<String> unfinished, Optional<String> cancelledBy,
      Instant deadline, boolean onlyReads, Optional<Job> held, String jobId, Instant now) {

    /** A command that arrived in time, on a domain no job holds, outside any job, never seen before. */
    static Turn fresh() {
      return new Turn(Optional.empty(), Optional.empty(), Optional.empty(), DEADLINE, false, Optional.empty(), null,
          NOW);
    }

    Turn doneBefore() {
      return new Turn(Optional.of("outcome"), unfinished, cancelledBy, deadline, onlyReads, held, jobId, now);
    }

    Turn cutOff() {
      return new Turn(recorded, Optional.of("intent"), cancelledBy, deadline, onlyReads, held, jobId, now);
    }

    Turn cancelled() {
      return new Turn(recorded, unfinished, Optional.of("cancel-1"), deadline, onlyReads, held, jobId, now);
    }

    Turn at(Instant when) {
      return new Turn(recorded, unfinished, cancelledBy, deadline, onlyReads, held, jobId, when);
    }

    Turn late() {
      return at(DEADLINE.plusMillis(1));
    }

    Turn snapshotting() {
      return new Turn(recorded, unfinished, cancelledBy, deadline, onlyReads, Optional.of(SNAPSHOTTING), jobId, now);
    }

    Turn ofJob(String job) {
      return new Turn(recorded, unfinished, cancelledBy, deadline, onlyReads, held, job, now);
    }

    Turn readOnly() {
      return new Turn(recorded, unfinished, cancelledBy, deadline, true, held, jobId, now);
    }

    Admission.Decision<String, String> decide() {
      return Admission.decide(recorded, unfinished, cancelledBy, deadline, onlyReads, "web1", held, jobId, now);
    }
  }

  @Test
  void aFreshCommandRuns() {
    assertThat(Turn.fresh().decide()).isEqualTo(new Admission.Run<>());
  }

  @Test
  void aCommandDoneBeforeIsAnsweredWithItsRecordedOutcome() {
    assertThat(Turn.fresh().doneBefore().decide()).isEqualTo(new Admission.AnswerFromJournal<>("outcome"));
  }

  @Test
  void aCommandCutOffBetweenItsIntentAndItsOutcomeIsResumed() {
    assertThat(Turn.fresh().cutOff().decide()).isEqualTo(new Admission.Resume<>("intent"));
  }

  @Test
  void aCommandACancelCameForEndsCancelledByIt() {
    assertThat(Turn.fresh().cancelled().decide()).isEqualTo(new Admission.Cancelled<>("cancel-1"));
  }

  @Test
  void aCommandPastItsDeadlineTimesOutSayingWhen() {
    Admission.Decision<String, String> late = Turn.fresh().late().decide();
    assertThat(late).isEqualTo(new Admission.TimedOut<>(DEADLINE));
    assertThat(((Admission.TimedOut<String, String>) late).message())
        .isEqualTo("deadline 2026-03-01T10:00:30Z passed before the command could start");
  }

  @Test
  void atItsDeadlineACommandMayStillStart() {
    assertThat(Turn.fresh().at(DEADLINE).decide()).isEqualTo(new Admission.Run<>());
  }

  @Test
  void aDomainAnotherJobHoldsIsBusyNamingTheJob() {
    assertThat(Turn.fresh().snapshotting().decide()).isEqualTo(new Admission.Busy<>(BUSY));
    assertThat(Turn.fresh().snapshotting().ofJob("j2").decide()).isEqualTo(new Admission.Busy<>(BUSY));
  }

  @Test
  void theJobsOwnStepsRun() {
    assertThat(Turn.fresh().snapshotting().ofJob("j1").decide()).isEqualTo(new Admission.Run<>());
  }

  @Test
  void aJobPastItsExpiryHoldsNothing() {
    Instant expired = SNAPSHOTTING.expiresAt();
    Turn turn = new Turn(Optional.empty(), Optional.empty(), Optional.empty(), expired.plusSeconds(30), false,
        Optional.of(SNAPSHOTTING), null, expired);
    assertThat(turn.decide()).isEqualTo(new Admission.Run<>());
  }

  @Test
  void aCommandThatOnlyReadsIsNeverBusyButObeysEveryOtherRule() {
    assertThat(Turn.fresh().snapshotting().readOnly().decide()).isEqualTo(new Admission.Run<>());
    assertThat(Turn.fresh().snapshotting().readOnly().late().decide()).isEqualTo(new Admission.TimedOut<>(DEADLINE));
    assertThat(Turn.fresh().readOnly().cancelled().decide()).isEqualTo(new Admission.Cancelled<>("cancel-1"));
    assertThat(Turn.fresh().readOnly().doneBefore().decide()).isEqualTo(new Admission.AnswerFromJournal<>("outcome"));
  }

  @Test
  void inspectDisksAndReadConsoleAreTheCommandsThatOnlyRead() {
    AgentCommand.Envelope e = new AgentCommand.Envelope("c1", D, "h1", "X", "alice", null, null, null, null,
        DEADLINE);
    assertThat(new AgentCommand.InspectDisks(e).onlyReads()).isTrue();
    assertThat(new AgentCommand.ReadConsole(e, 100).onlyReads()).isTrue();
    List<AgentCommand> changing = List.of(
        new AgentCommand.Define(e, new DomainDefinition("web1", 1, 512, List.of(), "alice")),
        new AgentCommand.Lifecycle(e, Request.of(Operation.START)),
        new AgentCommand.Step(e, DiskStep.of(DiskStep.Kind.FREEZE)),
        new AgentCommand.BeginJob(e, "snapshot 's1'", DEADLINE),
        new AgentCommand.EndJob(e),
        new AgentCommand.Unsupported(e, "operation Migrate"));
    assertThat(changing).noneMatch(AgentCommand::onlyReads);
  }

  @Test
  void theJournalsOutcomeComesFirstThenTheIntentThenTheCancelThenTheDeadlineThenTheJob() {
    Turn everything = Turn.fresh().doneBefore().cutOff().cancelled().late().snapshotting();
    assertThat(everything.decide()).isEqualTo(new Admission.AnswerFromJournal<>("outcome"));
    assertThat(Turn.fresh().cutOff().cancelled().late().snapshotting().decide())
        .isEqualTo(new Admission.Resume<>("intent"));
    assertThat(Turn.fresh().cancelled().late().snapshotting().decide())
        .isEqualTo(new Admission.Cancelled<>("cancel-1"));
    assertThat(Turn.fresh().late().snapshotting().decide()).isEqualTo(new Admission.TimedOut<>(DEADLINE));
    assertThat(Turn.fresh().snapshotting().decide()).isEqualTo(new Admission.Busy<>(BUSY));
  }

  /** Every combination of the five conditions: the first that holds, in the documented order, decides. */
  @Test
  void inEveryCombinationTheFirstRuleThatAppliesDecides() {
    List<String> seen = new ArrayList<>();
    for (int bits = 0; bits < 32; bits++) {
      Turn turn = Turn.fresh();
      turn = (bits & 1) != 0 ? turn.doneBefore() : turn;
      turn = (bits & 2) != 0 ? turn.cutOff() : turn;
      turn = (bits & 4) != 0 ? turn.cancelled() : turn;
      turn = (bits & 8) != 0 ? turn.late() : turn;
      turn = (bits & 16) != 0 ? turn.snapshotting() : turn;
      Admission.Decision<String, String> expected = (bits & 1) != 0 ? new Admission.AnswerFromJournal<>("outcome")
          : (bits & 2) != 0 ? new Admission.Resume<>("intent")
          : (bits & 4) != 0 ? new Admission.Cancelled<>("cancel-1")
          : (bits & 8) != 0 ? new Admission.TimedOut<>(DEADLINE)
          : (bits & 16) != 0 ? new Admission.Busy<>(BUSY)
          : new Admission.Run<>();
      assertThat(turn.decide()).as("combination %s", Integer.toBinaryString(bits)).isEqualTo(expected);
      seen.add(expected.getClass().getSimpleName());
    }
    assertThat(seen).containsOnly("AnswerFromJournal", "Resume", "Cancelled", "TimedOut", "Busy", "Run");
  }
}
