package io.virtflow.agent.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One command of the host's topic, in the agent's own terms: what the command asks for (one record per kind)
 * and its {@link Envelope}. The Avro contract ends at the edge that builds these ({@code kafka/Messages});
 * everything behind it works on this type. A payload this agent does not know is {@link Unsupported}, not an
 * error: it ends {@code REJECTED OPERATION_UNSUPPORTED} in its turn, like any refusal.
 */
public sealed interface AgentCommand {

  /**
   * What every command has, whatever it asks for.
   *
   * @param operation how statuses name the command: the contract's payload name ("Define", "Start", ...,
   *     "RunStep", "Cancel"), also for a payload this agent does not know
   * @param deadline a command that has not started by then never runs: it ends {@code TIMED_OUT}
   * @param jobId the snapshot workflow's job, for its steps; null outside any job
   * @param project the project (tenant) the gateway named on the command; may be null
   */
  record Envelope(String commandId, String domainId, String hostId, String operation, String principal,
      String idempotencyKey, String requestHash, String jobId, String project, Instant deadline) {
    public Envelope {
      Objects.requireNonNull(commandId, "commandId");
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(deadline, "deadline");
    }
  }

  Envelope envelope();

  /** Define a new domain. */
  record Define(Envelope envelope, DomainDefinition definition) implements AgentCommand {
    public Define {
      Objects.requireNonNull(definition, "definition");
    }
  }

  /** A lifecycle operation on an existing domain (start, shutdown, reboot, destroy, suspend, resume, undefine). */
  record Lifecycle(Envelope envelope, Request request) implements AgentCommand {
    public Lifecycle {
      Objects.requireNonNull(request, "request");
      if (request.operation() == Operation.DEFINE) {
        throw new IllegalArgumentException("define is a Define, with its definition");
      }
    }
  }

  /** One step of a snapshot workflow. */
  record Step(Envelope envelope, DiskStep step) implements AgentCommand {
    public Step {
      Objects.requireNonNull(step, "step");
    }
  }

  /** A snapshot workflow takes the domain's job until {@code expiresAt} ({@link Jobs#begin}). */
  record BeginJob(Envelope envelope, String description, Instant expiresAt) implements AgentCommand {
  }

  /** The snapshot workflow lets go of the domain's job ({@link Jobs#end}). */
  record EndJob(Envelope envelope) implements AgentCommand {
  }

  /** Answers with the domain's disk images, as JSON; only reads. */
  record InspectDisks(Envelope envelope) implements AgentCommand {
  }

  /** Answers with the last {@code tailLines} lines of the domain's serial console; only reads. */
  record ReadConsole(Envelope envelope, int tailLines) implements AgentCommand {
  }

  /** Cancels command {@code targetCommandId} if it has not started; acts on the domain's line, not in it. */
  record Cancel(Envelope envelope, String targetCommandId) implements AgentCommand {
  }

  /**
   * A command this agent cannot run: a payload it does not know, or a step kind it does not know (an agent
   * older than its sender).
   *
   * @param what what is not supported, as a refusal names it ("operation Migrate", "step kind UNKNOWN")
   */
  record Unsupported(Envelope envelope, String what) implements AgentCommand {
  }

  default String commandId() {
    return envelope().commandId();
  }

  default String domainId() {
    return envelope().domainId();
  }

  /** The lifecycle request the command is, for the lifecycle table; empty for every other kind. */
  default Optional<Request> lifecycleRequest() {
    if (this instanceof Define) {
      return Optional.of(Request.of(Operation.DEFINE));
    }
    return this instanceof Lifecycle l ? Optional.of(l.request()) : Optional.empty();
  }

  /** Whether the command only reads the domain: such a command is never busy (see {@link Admission}). */
  default boolean onlyReads() {
    return this instanceof InspectDisks || this instanceof ReadConsole;
  }
}
