package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.Objects;

/** A command ready to be written to its host's topic: every field of the Avro {@code Command}. */
public record CommandDraft(String commandId, String domainId, String hostId, Instant issuedAt, Instant deadline,
    String principal, String idempotencyKey, String requestHash, Operation operation, String project) {
  /** A draft of no project (tests, records written before projects existed). */
  public CommandDraft(String commandId, String domainId, String hostId, Instant issuedAt, Instant deadline,
      String principal, String idempotencyKey, String requestHash, Operation operation) {
    this(commandId, domainId, hostId, issuedAt, deadline, principal, idempotencyKey, requestHash, operation, null);
  }

  public CommandDraft {
    Objects.requireNonNull(commandId);
    Objects.requireNonNull(domainId);
    Objects.requireNonNull(hostId);
    Objects.requireNonNull(issuedAt);
    Objects.requireNonNull(deadline);
    Objects.requireNonNull(principal);
    Objects.requireNonNull(operation);
  }
}
