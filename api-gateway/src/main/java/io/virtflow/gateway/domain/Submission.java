package io.virtflow.gateway.domain;

import java.time.Duration;
import java.util.Objects;

/**
 * One request for a command, from whichever door it came through (HTTP, or the {@code virtflow.commands}
 * topic).
 *
 * @param principal who asks, as its verified token says
 * @param domainRef the target domain's id or name; null for Define and Cancel
 * @param idempotencyKey the client's key, or null
 * @param requestHash the fingerprint of the request ({@link RequestFingerprint}), compared on key reuse;
 *     required with a key
 * @param timeout how long the command may wait before it must have started, or null for the default
 * @param commandId the command id the client chose (a canonical UUID), or null for the gateway to pick
 *     one. A submission with its own id is idempotent by that id, and every outcome of it, a refusal
 *     included, is recorded on {@code command.status} under that id.
 * @param project the project a define asks for, or null ({@link Principal#projectForDefine})
 */
public record Submission(Principal principal, Operation operation, String domainRef, String idempotencyKey,
    String requestHash, Duration timeout, String commandId, String project) {
  public Submission {
    Objects.requireNonNull(principal);
    Objects.requireNonNull(operation);
    if (idempotencyKey != null) {
      Objects.requireNonNull(requestHash);
    }
  }

  /** A submission with the gateway's choice of project. */
  public Submission(Principal principal, Operation operation, String domainRef, String idempotencyKey,
      String requestHash, Duration timeout, String commandId) {
    this(principal, operation, domainRef, idempotencyKey, requestHash, timeout, commandId, null);
  }

  /** A submission whose command id the gateway picks. */
  public Submission(Principal principal, Operation operation, String domainRef, String idempotencyKey,
      String requestHash, Duration timeout) {
    this(principal, operation, domainRef, idempotencyKey, requestHash, timeout, null, null);
  }
}
