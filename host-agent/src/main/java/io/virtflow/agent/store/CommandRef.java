package io.virtflow.agent.store;

import java.util.Objects;

import io.virtflow.agent.domain.AgentCommand;

/**
 * Who a command is and who sent it: the fields every status of the command repeats. {@code operation}
 * is the payload's name ("Define", "Start", ..., "Cancel", "RunStep"); {@code jobId} is the snapshot
 * workflow's job, for its steps; {@code project} is the project (tenant) the gateway named on the command.
 */
public record CommandRef(String commandId, String domainId, String hostId, String operation, String principal,
    String idempotencyKey, String requestHash, String jobId, String project) {

  public CommandRef {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(operation, "operation");
  }

  /** The identity of a command as its envelope has it. */
  public static CommandRef of(AgentCommand.Envelope e) {
    return new CommandRef(e.commandId(), e.domainId(), e.hostId(), e.operation(), e.principal(), e.idempotencyKey(),
        e.requestHash(), e.jobId(), e.project());
  }

  /** A command without a project. */
  public CommandRef(String commandId, String domainId, String hostId, String operation, String principal,
      String idempotencyKey, String requestHash, String jobId) {
    this(commandId, domainId, hostId, operation, principal, idempotencyKey, requestHash, jobId, null);
  }

  /** A command outside any job. */
  public CommandRef(String commandId, String domainId, String hostId, String operation, String principal,
      String idempotencyKey, String requestHash) {
    this(commandId, domainId, hostId, operation, principal, idempotencyKey, requestHash, null, null);
  }
}
