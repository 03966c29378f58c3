package io.virtflow.agent.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a command whose turn has come runs, and if not, how it ends. Pure: the caller reads the journal
 * and acts on the answer. The first rule that applies decides, in this order:
 *
 * <ol>
 *   <li>an outcome is recorded: the command was done before (a redelivery), and is answered with exactly
 *       that outcome, never applied again;
 *   <li>an intent is recorded without an outcome: the command was cut off between the two (a restart, a
 *       driver call that timed out), and is settled by the domain's version ({@link Resume});
 *   <li>a Cancel for it came first: it ends CANCELLED;
 *   <li>its deadline passed: it ends TIMED_OUT (a command never starts late);
 *   <li>another job holds the domain ({@link Jobs#busy}): it ends REJECTED BUSY, unless it only reads;
 *   <li>otherwise it runs.
 * </ol>
 *
 * The journal's types stay the caller's: {@code O} is what an outcome is, {@code I} what an intent is.
 */
public final class Admission {

  /** How a command's turn goes. */
  public sealed interface Decision<O, I> {
  }

  /** Done before: publish the recorded outcome again. */
  public record AnswerFromJournal<O, I>(O outcome) implements Decision<O, I> {
    public AnswerFromJournal {
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /** Started before and never ended: settle it by what the driver observes now. */
  public record Resume<O, I>(I intent) implements Decision<O, I> {
    public Resume {
      Objects.requireNonNull(intent, "intent");
    }
  }

  /** Cancelled before it started, by the Cancel command {@code by}. */
  public record Cancelled<O, I>(String by) implements Decision<O, I> {
    public Cancelled {
      Objects.requireNonNull(by, "by");
    }
  }

  /** Its deadline passed before it could start. */
  public record TimedOut<O, I>(Instant deadline) implements Decision<O, I> {
    public TimedOut {
      Objects.requireNonNull(deadline, "deadline");
    }

    public String message() {
      return timedOutMessage(deadline);
    }
  }

  /** Another job holds the domain; {@code message} names it. */
  public record Busy<O, I>(String message) implements Decision<O, I> {
    public Busy {
      Objects.requireNonNull(message, "message");
    }
  }

  /** Admitted: run it. */
  public record Run<O, I>() implements Decision<O, I> {
  }

  private Admission() {
  }

  /**
   * The decision for one command.
   *
   * @param recorded the command's recorded outcome, if it has one
   * @param unfinished the command's recorded intent, if it has one and no outcome
   * @param cancelledBy the Cancel command waiting for it, if one came first
   * @param deadline the command's deadline
   * @param onlyReads whether the command only reads the domain (never busy)
   * @param domainName how a refusal names the domain
   * @param held the domain's job, if one was taken and not ended (it may have expired)
   * @param jobId the command's job, or null outside any job
   * @param now the time of the decision
   */
  public static <O, I> Decision<O, I> decide(Optional<O> recorded, Optional<I> unfinished,
      Optional<String> cancelledBy, Instant deadline, boolean onlyReads, String domainName, Optional<Job> held,
      String jobId, Instant now) {
    if (recorded.isPresent()) {
      return new AnswerFromJournal<>(recorded.get());
    }
    if (unfinished.isPresent()) {
      return new Resume<>(unfinished.get());
    }
    if (cancelledBy.isPresent()) {
      return new Cancelled<>(cancelledBy.get());
    }
    if (expired(deadline, now)) {
      return new TimedOut<>(deadline);
    }
    if (!onlyReads) {
      Optional<String> busy = Jobs.busy(domainName, held, jobId, now);
      if (busy.isPresent()) {
        return new Busy<>(busy.get());
      }
    }
    return new Run<>();
  }

  /** Whether a command with this deadline may no longer start at {@code now}; at the deadline it still may. */
  public static boolean expired(Instant deadline, Instant now) {
    return now.isAfter(deadline);
  }

  /** How a command that timed out before it started says so. */
  public static String timedOutMessage(Instant deadline) {
    return "deadline " + deadline + " passed before the command could start";
  }
}
