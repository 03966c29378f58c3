package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One status transition of one command, as read from {@code command.status} or decided locally.
 *
 * @param result what a command that answers with data reported (JSON text, e.g. a reconcile's drift report), or null
 * @param jobId the domain job the command ran under (a snapshot workflow's steps), or null
 * @param project the project of the command's domain (of its principal, for a refusal), or null
 * @param deadline when the command must have started by (on ACCEPTED, as the gateway wrote it), or null
 */
public record StatusUpdate(String commandId, String domainId, String hostId, String operation, Phase phase,
    String code, String message, String domainState, Instant at, String principal, String idempotencyKey,
    String requestHash, String result, String jobId, String project, Instant deadline) {
  /** A status that carries no deadline (every one but the gateway's ACCEPTED). */
  public StatusUpdate(String commandId, String domainId, String hostId, String operation, Phase phase,
      String code, String message, String domainState, Instant at, String principal, String idempotencyKey,
      String requestHash, String result, String jobId, String project) {
    this(commandId, domainId, hostId, operation, phase, code, message, domainState, at, principal, idempotencyKey,
        requestHash, result, jobId, project, null);
  }

  /** A status of no project. */
  public StatusUpdate(String commandId, String domainId, String hostId, String operation, Phase phase,
      String code, String message, String domainState, Instant at, String principal, String idempotencyKey,
      String requestHash, String result, String jobId) {
    this(commandId, domainId, hostId, operation, phase, code, message, domainState, at, principal, idempotencyKey,
        requestHash, result, jobId, null);
  }

  public StatusUpdate {
    Objects.requireNonNull(commandId);
    Objects.requireNonNull(phase);
    Objects.requireNonNull(at);
  }
}
