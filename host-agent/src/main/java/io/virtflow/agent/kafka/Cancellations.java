package io.virtflow.agent.kafka;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.vertx.core.Future;
import io.virtflow.agent.domain.AgentCommand;
import io.virtflow.agent.domain.Admission;
import io.virtflow.agent.domain.DomainWorkQueue;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.OutcomeJournal;

/**
 * Cancel: takes a command that has not started out of its domain's line (it ends CANCELLED at once), or,
 * for one that has not arrived yet, records the cancellation so that it ends CANCELLED in its turn. A
 * command that started, or ended, can no longer be cancelled. A Cancel does not wait in the domain's line:
 * it acts on that line.
 */
final class Cancellations {
  private final DomainWorkQueue<CommandProcessor.Waiting> queue;
  private final OutcomeJournal journal;
  private final Effects effects;
  private final OutcomePublisher publisher;
  private final Retries retries;
  private final Inventory inventory;
  private final Clock clock;
  /** Cancellations being recorded: a target that comes meanwhile must already see them. */
  private final Map<String, String> cancelling = new HashMap<>();

  Cancellations(DomainWorkQueue<CommandProcessor.Waiting> queue, OutcomeJournal journal, Effects effects,
      OutcomePublisher publisher, Retries retries, Inventory inventory, Clock clock) {
    this.queue = queue;
    this.journal = journal;
    this.effects = effects;
    this.publisher = publisher;
    this.retries = retries;
    this.inventory = inventory;
    this.clock = clock;
  }

  /** Runs Cancel {@code command}; completes when its offset may be committed. */
  Future<Void> cancel(AgentCommand.Cancel command, CommandRef ref) {
    String target = command.targetCommandId();
    Optional<Outcome> recorded = journal.outcome(ref.commandId());
    if (recorded.isPresent()) {
      return retries.untilDone(ref, () -> publisher.deliver(recorded.get()));
    }
    if (Admission.expired(command.envelope().deadline(), clock.instant())) {
      return retries.untilDone(ref, () -> publisher.conclude(timedOut(command, ref)));
    }
    Optional<String> refusal = cannotCancel(ref.commandId(), target);
    if (refusal.isPresent()) {
      return retries.untilDone(ref, () -> publisher.conclude(Outcome.refused(ref, Outcome.Status.FAILED,
          Fault.OPERATION_INVALID, refusal.get(), null, effects.now())));
    }
    // Out of the line first, so that it cannot start while the cancellation is being recorded; its
    // consumer waits until the cancellation is done, as it would have waited for its turn.
    List<DomainWorkQueue.Entry<CommandProcessor.Waiting>> queued = queue.cancelQueued(target);
    cancelling.put(target, ref.commandId());
    String message = queued.isEmpty()
        ? "command " + target + " has not arrived: it will end CANCELLED when it does"
        : "cancelled command " + target + " before it started";
    Future<Void> done = retries.untilDone(ref, () -> effects.work(() -> {
      journal.recordCancellation(target, ref.commandId());
      return null;
    }).compose(v -> queued.isEmpty() ? Future.<Void>succeededFuture()
        : publisher.conclude(Outcome.cancelled(CommandRef.of(queued.get(0).item().command().envelope()),
            ref.commandId(), effects.now())))
        .compose(v -> publisher.conclude(Outcome.succeeded(ref, message, null, effects.now(), null, List.of()))));
    return done.onComplete(ar -> {
      cancelling.remove(target);
      queued.forEach(e -> CommandProcessor.settle(e.item().done(), ar));
    });
  }

  /** The Cancel that cancelled {@code commandId} before it started, if one did. */
  Optional<String> cancellationOf(String commandId) {
    String inProgress = cancelling.get(commandId);
    return inProgress != null ? Optional.of(inProgress) : journal.pendingCancellation(commandId);
  }

  /** Why {@code target} can no longer be cancelled, if it cannot. */
  private Optional<String> cannotCancel(String cancelId, String target) {
    if (queue.isRunning(target)) {
      return Optional.of("command " + target + " is RUNNING: only a command that has not started can be cancelled");
    }
    Optional<Outcome> done = journal.outcome(target);
    if (done.isPresent()) {
      if (done.get().status() == Outcome.Status.CANCELLED && cancelId.equals(done.get().cancelledBy())) {
        return Optional.empty();
      }
      return Optional.of("command " + target + " already ended " + done.get().status());
    }
    if (journal.started(target)) {
      return Optional.of("command " + target + " has started: only a command that has not started can be cancelled");
    }
    return Optional.empty();
  }

  private Outcome timedOut(AgentCommand command, CommandRef ref) {
    return CommandRunner.timedOut(ref, command.envelope().deadline(), inventory.stateOf(ref.domainId()),
        effects.now());
  }
}
