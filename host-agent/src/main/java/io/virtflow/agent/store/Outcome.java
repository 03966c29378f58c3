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
 */
public record Outcome(CommandRef command, Status status, Fault fault, String message, State state, Instant at,
    String cancelledBy, String domainName, List<RecordedEvent> events) {

  /** The terminal statuses of a command. */
  public enum Status {
    SUCCEEDED, FAILED, REJECTED, CANCELLED, TIMED_OUT
  }

  public Outcome {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(at, "at");
    events = List.copyOf(events);
    if (!events.isEmpty() && status != Status.SUCCEEDED) {
      throw new IllegalArgumentException("only a command that succeeded has events");
    }
  }

  public String commandId() {
    return command.commandId();
  }

  /** Whether the command changed its domain (then the domain's state is published with it). */
  public boolean changedDomain() {
    return !events.isEmpty();
  }

  public static Outcome succeeded(CommandRef command, String message, State state, Instant at, String domainName,
      List<RecordedEvent> events) {
    return new Outcome(command, Status.SUCCEEDED, null, message, state, at, null, domainName, events);
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
