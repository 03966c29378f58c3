package io.virtflow.agent.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.State;

/**
 * How a command ended, recorded before its offset may be committed: a redelivered command is answered
 * with exactly this (same status, same events with the same ids), never applied again.
 *
 * @param fault null unless FAILED, REJECTED or TIMED_OUT
 * @param state the domain's state when the command ended; null when it does not exist (any more)
 * @param cancelledBy for CANCELLED: the Cancel command that did it
 * @param domainName the domain's name, for the events (null when the command never reached a domain)
 * @param events what the command did, in order; empty when it changed nothing
 * @param stateChanged the domain changed without a lifecycle event (a disk moved to another image, the
 *     guest's filesystems frozen): its state is published again all the same
 * @param result the JSON answer of a command that answers with data (InspectDisks), or null
 */
public record Outcome(CommandRef command, Status status, Fault fault, String message, State state, Instant at,
    String cancelledBy, String domainName, List<RecordedEvent> events, boolean stateChanged, String result) {

  /** The terminal statuses of a command. */
  public enum Status {
    SUCCEEDED, FAILED, REJECTED, CANCELLED, TIMED_OUT
  }

  public Outcome {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(at, "at");
    events = List.copyOf(events);
    if ((!events.isEmpty() || stateChanged || result != null) && status != Status.SUCCEEDED) {
      throw new IllegalArgumentException("only a command that succeeded has events, changes or a result");
    }
  }

  public Outcome(CommandRef command, Status status, Fault fault, String message, State state, Instant at,
      String cancelledBy, String domainName, List<RecordedEvent> events) {
    this(command, status, fault, message, state, at, cancelledBy, domainName, events, false, null);
  }

  public String commandId() {
    return command.commandId();
  }

  /** Whether the command changed its domain (then the domain's state is published with it). */
  public boolean changedDomain() {
    return stateChanged || !events.isEmpty();
  }

  public static Outcome succeeded(CommandRef command, String message, State state, Instant at, String domainName,
      List<RecordedEvent> events) {
    return new Outcome(command, Status.SUCCEEDED, null, message, state, at, null, domainName, events);
  }

  /** A command that succeeded, possibly changing its domain without an event, possibly with a result. */
  public static Outcome succeeded(CommandRef command, String message, State state, Instant at, String domainName,
      List<RecordedEvent> events, boolean stateChanged, String result) {
    return new Outcome(command, Status.SUCCEEDED, null, message, state, at, null, domainName, events, stateChanged,
        result);
  }

  public static Outcome refused(CommandRef command, Status status, Fault fault, String message, State state,
      Instant at) {
    return new Outcome(command, status, fault, message, state, at, null, null, List.of());
  }

  public static Outcome cancelled(CommandRef command, String cancelledBy, Instant at) {
    return new Outcome(command, Status.CANCELLED, null, "cancelled by command " + cancelledBy + " before it started",
        null, at, cancelledBy, null, List.of());
  }
}
