package io.virtflow.agent.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * A domain's job, as libvirt's per-domain job lock: a snapshot workflow holds it from its first step to its
 * last, and it lapses at {@code expiresAt} if its holder vanished.
 *
 * @param id the holder's job id (the commands' {@code jobId})
 */
public record Job(String domainId, String id, String description, Instant expiresAt) {
  public Job {
    Objects.requireNonNull(domainId, "domainId");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** Whether the job still holds its domain at {@code now}; at {@code expiresAt} it no longer does. */
  public boolean heldAt(Instant now) {
    return now.isBefore(expiresAt);
  }

  public boolean isHeldBy(String jobId) {
    return id.equals(jobId);
  }
}
