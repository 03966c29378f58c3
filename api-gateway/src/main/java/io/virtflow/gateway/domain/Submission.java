package io.virtflow.gateway.domain;

import java.time.Duration;
import java.util.Objects;

/**
 * One request for a command, from whichever door it came through (HTTP today, the
 * {@code virtflow.commands} topic later).
 *
 * @param principal who asks
 * @param domainRef the target domain's id or name; null for Define and Cancel
 * @param idempotencyKey the client's key, or null
 * @param requestHash the fingerprint of the request ({@link RequestFingerprint}), compared on key reuse
 * @param timeout how long the command may wait before it must have started, or null for the default
 */
public record Submission(String principal, Operation operation, String domainRef, String idempotencyKey,
    String requestHash, Duration timeout) {
  public Submission {
    Objects.requireNonNull(principal);
    Objects.requireNonNull(operation);
    Objects.requireNonNull(requestHash);
  }
}
