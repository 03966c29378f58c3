package io.virtflow.client;

import java.util.Objects;
import java.util.Set;

import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;

/**
 * How a command ended: its terminal status ({@code SUCCEEDED FAILED REJECTED CANCELLED TIMED_OUT}) as
 * published on {@code command.status}, or a refusal by the gateway's HTTP door (then {@code REJECTED}
 * with the problem document's {@code code} and {@code detail}).
 *
 * @param commandId the id the command is tracked under (over HTTP, the gateway's id; for an HTTP refusal,
 *     which never became a command, the request's id)
 * @param domainId the domain's id, when known
 * @param hostId the host the command was placed on, when known
 * @param operation {@code Define}, {@code Start}, ... ; null for an HTTP refusal
 * @param status always terminal
 * @param code the error code of a non-successful outcome, or null
 * @param message a human message, or null
 * @param domainState the domain's state when the command ended, when reported
 * @param result what the command answered with (a reconcile's drift report, as JSON text), or null
 */
public record CommandOutcome(String commandId, String domainId, String hostId, String operation,
    CommandStatusCode status, ErrorCode code, String message, DomainStateCode domainState, String result) {

  static final Set<CommandStatusCode> TERMINAL = Set.of(CommandStatusCode.SUCCEEDED, CommandStatusCode.FAILED,
      CommandStatusCode.REJECTED, CommandStatusCode.CANCELLED, CommandStatusCode.TIMED_OUT);

  public CommandOutcome {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(status, "status");
    if (!isTerminal(status)) {
      throw new IllegalArgumentException(status + " is not a terminal status");
    }
  }

  public static boolean isTerminal(CommandStatusCode status) {
    return TERMINAL.contains(status);
  }

  public boolean succeeded() {
    return status == CommandStatusCode.SUCCEEDED;
  }

  static CommandOutcome of(CommandStatus s) {
    return new CommandOutcome(s.getCommandId(), s.getDomainId(), s.getHostId(), s.getOperation(), s.getStatus(),
        s.getCode(), s.getMessage(), s.getDomainState(), s.getResult());
  }

  @Override
  public String toString() {
    return status + (code == null ? "" : " " + code) + (message == null ? "" : " (" + message + ")")
        + " [" + operation + " " + commandId + (domainId == null ? "" : " domain " + domainId) + "]";
  }
}
