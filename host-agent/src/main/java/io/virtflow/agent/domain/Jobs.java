package io.virtflow.agent.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * The job rules (DESIGN §6 "Jobs"), libvirt's per-domain job lock: while a live job holds a domain, every
 * command that would change the domain and does not carry that job's id is refused with {@link Fault#BUSY}
 * naming the job. A job past its {@code expiresAt} holds nothing. Pure: the caller persists the answers.
 */
public final class Jobs {

  /** What a BeginJob or EndJob does. */
  public sealed interface Decision {
  }

  /** The job now holds the domain: persist it. */
  public record Take(Job job, String message) implements Decision {
  }

  /** The job lets go of the domain: persist that. */
  public record Release(Job job, String message) implements Decision {
  }

  /** Nothing to change: the job holds the domain already, or never did. */
  public record AlreadyDone(String message) implements Decision {
  }

  public record Refused(Fault fault, String message) implements Decision {
  }

  private Jobs() {
  }

  /**
   * Why a command carrying {@code commandJobId} (null for a command outside any job) may not change the
   * domain now, if it may not.
   */
  public static Optional<String> busy(String domainName, Optional<Job> held, String commandJobId, Instant now) {
    return held.filter(j -> j.heldAt(now) && !j.isHeldBy(commandJobId))
        .map(j -> "domain '" + domainName + "' is busy with job " + j.id() + " (" + j.description() + ") until "
            + j.expiresAt());
  }

  /** BeginJob {@code jobId}: takes the domain's job, or confirms it holds it already. */
  public static Decision begin(String domainId, String domainName, Optional<Job> held, String jobId,
      String description, Instant expiresAt, Instant now) {
    if (jobId == null || jobId.isBlank()) {
      return new Refused(Fault.INVALID_ARG, "BeginJob needs the command's jobId");
    }
    Optional<String> busy = busy(domainName, held, jobId, now);
    if (busy.isPresent()) {
      return new Refused(Fault.BUSY, busy.get());
    }
    Optional<Job> mine = held.filter(j -> j.heldAt(now) && j.isHeldBy(jobId));
    if (mine.isPresent()) {
      return new AlreadyDone("job " + jobId + " already holds domain '" + domainName + "' until "
          + mine.get().expiresAt());
    }
    if (!now.isBefore(expiresAt)) {
      return new Refused(Fault.INVALID_ARG, "job " + jobId + " would expire at " + expiresAt
          + ", which is not in the future");
    }
    Job job = new Job(domainId, jobId, description == null ? "" : description, expiresAt);
    return new Take(job, "job " + jobId + " (" + job.description() + ") holds domain '" + domainName + "' until "
        + expiresAt);
  }

  /** EndJob {@code jobId}: lets go of the domain; ending a job that does not hold it is already done. */
  public static Decision end(String domainName, Optional<Job> held, String jobId, Instant now) {
    if (jobId == null || jobId.isBlank()) {
      return new Refused(Fault.INVALID_ARG, "EndJob needs the command's jobId");
    }
    Optional<String> busy = busy(domainName, held, jobId, now);
    if (busy.isPresent()) {
      return new Refused(Fault.BUSY, busy.get());
    }
    Optional<Job> mine = held.filter(j -> j.heldAt(now) && j.isHeldBy(jobId));
    if (mine.isEmpty()) {
      return new AlreadyDone("job " + jobId + " does not hold domain '" + domainName + "' (ended or expired)");
    }
    return new Release(mine.get(), "job " + jobId + " released domain '" + domainName + "'");
  }
}
