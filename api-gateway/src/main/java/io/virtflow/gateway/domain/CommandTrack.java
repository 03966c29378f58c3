package io.virtflow.gateway.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What is known of one command: its current status (the highest-ranked one seen; the first terminal
 * status wins) and the history of every distinct status with its time, in rank order. Mutable, owned by
 * one thread.
 */
public final class CommandTrack {

  /** One status in the history. */
  public record Step(Phase phase, Instant at) {
  }

  /** What applying an update did. */
  public enum Outcome {
    /** The status moved forward. */
    ADVANCED,
    /** A status older than the current one arrived late: recorded in the history only. */
    LATE,
    /** A duplicate, or a second terminal status: ignored. */
    IGNORED
  }

  private final String commandId;
  private String domainId;
  private String hostId;
  private String operation;
  private String principal;
  private String project;
  private String idempotencyKey;
  private String requestHash;
  private Phase phase;
  private String code;
  private String message;
  private String domainState;
  private String result;
  private String jobId;
  private Instant updatedAt;
  private Instant deadline;
  private Instant since;
  private final List<Step> history = new ArrayList<>(4);

  public CommandTrack(String commandId) {
    this.commandId = commandId;
  }

  public Outcome apply(StatusUpdate u) {
    fillIdentity(u);
    if (phase == null || u.phase().rank() > phase.rank()) {
      phase = u.phase();
      code = u.code();
      message = u.message();
      domainState = u.domainState();
      result = u.result();
      updatedAt = u.at();
      record(u);
      return Outcome.ADVANCED;
    }
    if (u.phase().rank() < phase.rank() && history.stream().noneMatch(s -> s.phase() == u.phase())) {
      record(u);
      return Outcome.LATE;
    }
    return Outcome.IGNORED;
  }

  private void record(StatusUpdate u) {
    if (since == null || u.at().isBefore(since)) {
      since = u.at();
    }
    history.add(new Step(u.phase(), u.at()));
    history.sort(Comparator.comparingInt(s -> s.phase().rank()));
  }

  private void fillIdentity(StatusUpdate u) {
    domainId = domainId == null ? u.domainId() : domainId;
    hostId = hostId == null ? u.hostId() : hostId;
    operation = operation == null ? u.operation() : operation;
    principal = principal == null ? u.principal() : principal;
    project = project == null ? u.project() : project;
    idempotencyKey = idempotencyKey == null ? u.idempotencyKey() : idempotencyKey;
    requestHash = requestHash == null ? u.requestHash() : requestHash;
    jobId = jobId == null ? u.jobId() : jobId;
    deadline = deadline == null ? u.deadline() : deadline;
  }

  public String commandId() {
    return commandId;
  }

  public String domainId() {
    return domainId;
  }

  public String hostId() {
    return hostId;
  }

  public String operation() {
    return operation;
  }

  public String principal() {
    return principal;
  }

  /** The project of the command's domain, as its first status with one said; null when none did. */
  public String project() {
    return project;
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  public String requestHash() {
    return requestHash;
  }

  public Phase phase() {
    return phase;
  }

  public boolean terminal() {
    return phase != null && phase.terminal();
  }

  public String code() {
    return code;
  }

  public String message() {
    return message;
  }

  public String domainState() {
    return domainState;
  }

  /** The result the current status carries (JSON text as the service wrote it), or null. */
  public String result() {
    return result;
  }

  /** Lets go of the result (a console log, say: too big to keep for every command remembered). */
  public void forgetResult() {
    result = null;
  }

  /** The job the command ran under, from the first status that named one, or null. */
  public String jobId() {
    return jobId;
  }

  public Instant updatedAt() {
    return updatedAt;
  }

  public Instant deadline() {
    return deadline;
  }

  /**
   * When the command began, as far as its statuses tell: the earliest time in its history (its ACCEPTED,
   * or the first status read when that one is late or lost).
   */
  public Instant since() {
    return since;
  }

  /**
   * Whether a cancel of it can be accepted now: not ended, not a snapshot request (the contract has no
   * cancel for those), and its domain and host known (the cancel goes to that host). {@code CommandService}
   * refuses a cancel for exactly these reasons.
   */
  public boolean cancellable() {
    return !terminal() && (operation == null || !Operation.isSnapshotOperation(operation)) && hostId != null
        && domainId != null;
  }

  /**
   * Whether the command can no longer start: still only ACCEPTED (its agent never said RUNNING) and its
   * deadline more than {@code grace} ago. An agent checks the deadline before it starts a command, and
   * says RUNNING before it touches anything, so such a command never runs; {@code grace} covers a RUNNING
   * not yet read.
   */
  public boolean missedItsStart(Instant now, Duration grace) {
    return phase == Phase.ACCEPTED && deadline != null && now.isAfter(deadline.plus(grace));
  }

  public List<Step> history() {
    return List.copyOf(history);
  }
}
