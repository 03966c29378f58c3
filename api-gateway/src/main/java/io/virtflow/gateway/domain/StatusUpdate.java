package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.Objects;

/** One status transition of one command, as read from {@code command.status} or decided locally. */
public record StatusUpdate(String commandId, String domainId, String hostId, String operation, Phase phase,
    String code, String message, String domainState, Instant at, String principal, String idempotencyKey,
    String requestHash) {
  public StatusUpdate {
    Objects.requireNonNull(commandId);
    Objects.requireNonNull(phase);
    Objects.requireNonNull(at);
  }
}
