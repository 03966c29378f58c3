package io.virtflow.agent.kafka;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.virtflow.agent.domain.Admission;
import io.virtflow.agent.domain.AgentCommand;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Jobs;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;
import io.virtflow.agent.driver.Change;
import io.virtflow.agent.driver.Hypervisor;
import io.virtflow.agent.driver.HypervisorException;
import io.virtflow.agent.driver.StepResult;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Intent;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.OutcomeJournal;
import io.virtflow.agent.store.RecordedEvent;

/**
 * Runs an admitted command ({@link Admission}), or resumes one a restart cut off, and ends it through the
 * {@link OutcomePublisher}. A command that changes its domain records its {@link Intent} before the driver is
 * called; what is legal is decided here, from the domain as the driver has it now ({@link Lifecycle},
 * {@link Jobs}), and the driver carries the decision out. Runs on the agent's context.
 */
final class CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);

  private final String hostId;
  private final Hypervisor driver;
  private final OutcomeJournal journal;
  private final Inventory inventory;
  private final Effects effects;
  private final OutcomePublisher publisher;
  private final Clock clock;
  private final Supplier<UUID> ids;

  CommandRunner(String hostId, Hypervisor driver, OutcomeJournal journal, Inventory inventory, Effects effects,
      OutcomePublisher publisher, Clock clock, Supplier<UUID> ids) {
    this.hostId = hostId;
    this.driver = driver;
    this.journal = journal;
    this.inventory = inventory;
    this.effects = effects;
    this.publisher = publisher;
    this.clock = clock;
    this.ids = ids;
  }

  /** Runs a command that is admitted (not done, not cancelled, not expired, not busy). */
  Future<Void> execute(AgentCommand command, CommandRef ref) {
    if (command instanceof AgentCommand.Step step) {
      return runStep(command, ref, step.step());
    }
    if (command instanceof AgentCommand.BeginJob begin) {
      return beginJob(begin, ref);
    }
    if (command instanceof AgentCommand.EndJob) {
      return endJob(command, ref);
    }
    if (command instanceof AgentCommand.InspectDisks) {
      return inspect(ref);
    }
    if (command instanceof AgentCommand.ReadConsole read) {
      return readConsole(ref, read.tailLines());
    }
    Optional<Request> request = command.lifecycleRequest();
    if (request.isEmpty()) {
      String what = command instanceof AgentCommand.Unsupported u ? u.what() : "operation " + ref.operation();
      return publisher.conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.OPERATION_UNSUPPORTED,
          what + " is not supported by this agent", inventory.stateOf(ref.domainId()), effects.now()));
    }
    return apply(command, ref, request.get());
  }

  /**
   * A command that had started before the agent stopped, with no outcome: if the domain's version moved,
   * its effect happened and is recorded now with the events it implies; if not, it runs now. A step on
   * files only, and a job command, run again: each checks first whether it is already done.
   */
  Future<Void> resume(AgentCommand command, CommandRef ref, Intent intent) {
    boolean versioned = intent.request() != null || (intent.step() != null && intent.step().kind().changesDomain());
    return effects.read(() -> driver.lookup(ref.domainId())).compose(now -> {
      if (!versioned || !intent.effectHappened(now)) {
        LOG.info("{}: command {} ({}) had started before a restart and is not known to have taken effect: "
            + "running it now", hostId, ref.commandId(), ref.operation());
        return Admission.expired(command.envelope().deadline(), clock.instant())
            ? publisher.conclude(timedOut(ref, command.envelope().deadline(), inventory.stateOf(ref.domainId()),
                effects.now()))
            : execute(command, ref);
      }
      LOG.info("{}: command {} ({}) took effect before a restart (version {} -> {}): recording it, not redoing it",
          hostId, ref.commandId(), ref.operation(), intent.versionBefore(), now.map(Domain::version).orElse(0L));
      inventory.remember(ref.domainId(), now);
      return publisher.conclude(Outcome.succeeded(ref, "took effect before the agent restarted",
          now.map(Domain::state).orElse(null), effects.now(), now.map(Domain::name).orElse(intent.domainName()),
          recorded(intent.impliedEvents()), intent.step() != null, null));
    });
  }

  /** A command whose deadline passed before it could start. */
  static Outcome timedOut(CommandRef ref, Instant deadline, State state, Instant at) {
    return Outcome.refused(ref, Outcome.Status.TIMED_OUT, Fault.TIMEOUT, Admission.timedOutMessage(deadline), state,
        at);
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /**
   * RUNNING goes out while the domain is looked up and the intent recorded; the driver is called only once
   * it was acknowledged. (Its terminal status has the same key and producer, so it cannot overtake it.)
   * What is legal is decided here, from the domain as the driver has it now ({@link Lifecycle}); the driver
   * carries the decision out.
   */
  private Future<Void> apply(AgentCommand command, CommandRef ref, Request request) {
    Future<Void> running = publisher.running(ref);
    return effects.read(() -> driver.lookup(command.domainId())).transform(ar -> {
      if (ar.failed()) {
        return ar.cause() instanceof HypervisorException e
            ? running.compose(v -> publisher.conclude(failureOutcome(ref, e)))
            : Future.failedFuture(ar.cause());
      }
      Optional<Domain> before = ar.result();
      Transition decided = decide(command, ref, request, before);
      if (decided instanceof Transition.Rejected r) {
        return running.compose(v -> publisher.conclude(Outcome.refused(ref, Outcome.Status.REJECTED, r.fault(),
            r.message(), r.current().orElse(null), effects.now())));
      }
      Transition.Accepted accepted = (Transition.Accepted) decided;
      return effects.work(() -> recordIntent(command, request, null, before)).compose(intent -> running)
          .compose(v -> effects.call(request.operation().verb(), () -> invoke(command, request, before, accepted)))
          .compose(answer -> publisher.finish(ref, answer, outcomeOf(ref, answer)));
    });
  }

  private static Transition decide(AgentCommand command, CommandRef ref, Request request, Optional<Domain> before) {
    if (before.isEmpty()) {
      String name = command instanceof AgentCommand.Define d ? d.definition().name() : ref.domainId();
      return Lifecycle.applyToAbsent(name, request);
    }
    Domain d = before.get();
    return Lifecycle.apply(d.name(), d.state(), d.reason(), request);
  }

  /**
   * Looks the domain up, records the intent, then runs {@code next}. A driver that cannot even be read
   * ends the command FAILED before anything started (no intent).
   */
  private Future<Void> intentThen(AgentCommand command, CommandRef ref, Request request, DiskStep step,
      Supplier<Future<Void>> next) {
    return effects.read(() -> driver.lookup(command.domainId())).transform(ar -> {
      if (ar.failed()) {
        return ar.cause() instanceof HypervisorException e ? publisher.conclude(failureOutcome(ref, e))
            : Future.failedFuture(ar.cause());
      }
      return effects.work(() -> recordIntent(command, request, step, ar.result())).compose(intent -> next.get());
    });
  }

  private Intent recordIntent(AgentCommand command, Request request, DiskStep step, Optional<Domain> before)
      throws Exception {
    String name = before.map(Domain::name).orElseGet(() ->
        command instanceof AgentCommand.Define d ? d.definition().name() : command.domainId());
    Intent intent = new Intent(command.commandId(), command.domainId(), name, request, step,
        before.map(Domain::version).orElse(Domain.ABSENT), before.map(Domain::state).orElse(null),
        before.map(Domain::reason).orElse(null), effects.now());
    journal.recordIntent(intent);
    return intent;
  }

  private Change invoke(AgentCommand command, Request request, Optional<Domain> before, Transition.Accepted decided) {
    return command instanceof AgentCommand.Define define
        ? driver.define(command.domainId(), define.definition())
        : driver.carryOut(before.orElseThrow(), request, decided);
  }

  private Outcome outcomeOf(CommandRef ref, Effects.Answer<Change> attempt) {
    if (attempt.failure() != null) {
      return failureOutcome(ref, attempt.failure());
    }
    Change change = attempt.result();
    inventory.remember(ref.domainId(), change.removed() ? Optional.empty() : Optional.of(change.domain()));
    return Outcome.succeeded(ref, null, change.removed() ? null : change.domain().state(), effects.now(),
        change.domain().name(), recorded(change.events()));
  }

  // ---- snapshot workflow steps, jobs, inspection -------------------------------------------------

  /** As {@link #apply}: RUNNING overlaps the lookup and the intent, and is acknowledged before the step runs. */
  private Future<Void> runStep(AgentCommand command, CommandRef ref, DiskStep step) {
    Future<Void> running = publisher.running(ref);
    return intentThen(command, ref, null, step, () -> running.compose(v -> effects.call("runStep " + step.kind(),
        () -> driver.runStep(ref.domainId(), step)).compose(answer -> publisher.finish(ref, answer,
            stepOutcome(ref, answer)))));
  }

  private Outcome stepOutcome(CommandRef ref, Effects.Answer<StepResult> answer) {
    if (answer.failure() != null) {
      return failureOutcome(ref, answer.failure());
    }
    StepResult r = answer.result();
    if (r.changed()) {
      inventory.remember(ref.domainId(), Optional.of(r.domain()));
    }
    return Outcome.succeeded(ref, r.message(), r.domain().state(), effects.now(), r.domain().name(),
        recorded(r.events()), r.changed(), null);
  }

  private Future<Void> inspect(CommandRef ref) {
    return publisher.running(ref)
        .compose(v -> effects.call("inspectDisks", () -> driver.inspectDisks(ref.domainId())))
        .compose(answer -> publisher.conclude(answer.failure() != null ? failureOutcome(ref, answer.failure())
            : Outcome.succeeded(ref, null, inventory.stateOf(ref.domainId()), effects.now(),
                inventory.nameOf(ref.domainId()), List.of(), false, Messages.jsonOf(answer.result()))));
  }

  /** Only reads: never busy, changes nothing; the console's tail is the status's result. */
  private Future<Void> readConsole(CommandRef ref, int tailLines) {
    int lines = Math.max(1, Math.min(tailLines, 10_000));
    return publisher.running(ref)
        .compose(v -> effects.call("console", () -> driver.console(ref.domainId(), lines)))
        .compose(answer -> publisher.conclude(answer.failure() != null ? failureOutcome(ref, answer.failure())
            : Outcome.succeeded(ref, null, inventory.stateOf(ref.domainId()), effects.now(),
                inventory.nameOf(ref.domainId()), List.of(), false, answer.result())));
  }

  private Future<Void> beginJob(AgentCommand.BeginJob command, CommandRef ref) {
    String domainId = ref.domainId();
    if (!inventory.has(domainId)) {
      return publisher.conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.NO_DOMAIN,
          "cannot begin a job on domain '" + domainId + "': no such domain on this host", null, effects.now()));
    }
    Jobs.Decision decision = Jobs.begin(domainId, inventory.nameOf(domainId), journal.job(domainId),
        command.envelope().jobId(), command.description(), command.expiresAt(), clock.instant());
    if (decision instanceof Jobs.Take take) {
      return publisher.running(ref)
          .compose(v -> effects.work(() -> {
            recordIntent(command, null, null, driver.lookup(domainId));
            journal.recordJob(take.job());
            return null;
          }))
          .compose(v -> publisher.conclude(Outcome.succeeded(ref, take.message(), inventory.stateOf(domainId),
              effects.now(), inventory.nameOf(domainId), List.of())));
    }
    return publisher.conclude(jobOutcome(ref, decision));
  }

  private Future<Void> endJob(AgentCommand command, CommandRef ref) {
    String domainId = ref.domainId();
    Jobs.Decision decision = Jobs.end(inventory.nameOf(domainId), journal.job(domainId), command.envelope().jobId(),
        clock.instant());
    if (decision instanceof Jobs.Release release) {
      return publisher.running(ref)
          .compose(v -> effects.work(() -> {
            recordIntent(command, null, null, driver.lookup(domainId));
            journal.recordJobEnd(domainId, release.job().id());
            return null;
          }))
          .compose(v -> publisher.conclude(Outcome.succeeded(ref, release.message(), inventory.stateOf(domainId),
              effects.now(), inventory.nameOf(domainId), List.of())));
    }
    return publisher.conclude(jobOutcome(ref, decision));
  }

  private Outcome jobOutcome(CommandRef ref, Jobs.Decision decision) {
    if (decision instanceof Jobs.Refused r) {
      return Outcome.refused(ref, Outcome.Status.REJECTED, r.fault(), r.message(), inventory.stateOf(ref.domainId()),
          effects.now());
    }
    String message = ((Jobs.AlreadyDone) decision).message();
    return Outcome.succeeded(ref, message, inventory.stateOf(ref.domainId()), effects.now(),
        inventory.nameOf(ref.domainId()), List.of());
  }

  private Outcome failureOutcome(CommandRef ref, HypervisorException e) {
    Outcome.Status status = e.refused() ? Outcome.Status.REJECTED : Outcome.Status.FAILED;
    return Outcome.refused(ref, status, e.fault(), e.getMessage(),
        e.current().orElse(inventory.stateOf(ref.domainId())), effects.now());
  }

  private List<RecordedEvent> recorded(List<Event> events) {
    Instant at = effects.now();
    return events.stream().map(e -> new RecordedEvent(ids.get(), e, at)).toList();
  }
}
