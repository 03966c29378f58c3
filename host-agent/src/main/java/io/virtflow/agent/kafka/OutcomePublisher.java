package io.virtflow.agent.kafka;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.OutcomeJournal;

/**
 * How a command ends: its outcome durably in the journal, then what it did on the bus, in this order: its
 * events and the domain's state, both acknowledged, then its terminal status. Whoever sees the end of a
 * command can already read what it did, and every committed offset has a recorded outcome.
 */
final class OutcomePublisher {
  private static final Logger LOG = LoggerFactory.getLogger(OutcomePublisher.class);

  private final String hostId;
  private final OutcomeJournal journal;
  private final BusWriter bus;
  private final Inventory inventory;
  private final Effects effects;
  /** Published with every state: whether the driver's active domains hold their files (the snapshot rules ask). */
  private final boolean filesHeld;

  OutcomePublisher(String hostId, OutcomeJournal journal, BusWriter bus, Inventory inventory, Effects effects,
      boolean filesHeld) {
    this.filesHeld = filesHeld;
    this.hostId = hostId;
    this.journal = journal;
    this.bus = bus;
    this.inventory = inventory;
    this.effects = effects;
  }

  /**
   * Records the outcome durably, then publishes it. The first outcome recorded for a command is its
   * outcome: if one is there already (a retried step), that one is published instead.
   */
  Future<Void> conclude(Outcome outcome) {
    Optional<Outcome> recorded = journal.outcome(outcome.commandId());
    if (recorded.isPresent()) {
      return deliver(recorded.get());
    }
    if (outcome.status() != Outcome.Status.SUCCEEDED) {
      LOG.info("{}: command {} ({}) {}{}: {}", hostId, outcome.commandId(), outcome.command().operation(),
          outcome.status(), outcome.fault() == null ? "" : " " + outcome.fault(), outcome.message());
    }
    return effects.work(() -> {
      journal.recordOutcome(outcome);
      return outcome;
    }).compose(this::deliver);
  }

  /**
   * Ends a command that called the driver. A call that timed out may still take effect: its intent stays
   * unfinished (as after a crash) and only the FAILED TIMEOUT status goes out, so that a redelivery settles
   * it by the domain's version instead of answering from a guess.
   */
  <T> Future<Void> finish(CommandRef ref, Effects.Answer<T> answer, Outcome outcome) {
    if (answer.failure() != null && answer.failure().fault() == Fault.TIMEOUT && !answer.failure().guest()) {
      LOG.warn("{}: command {} ({}) FAILED TIMEOUT: {}", hostId, ref.commandId(), ref.operation(),
          answer.failure().getMessage());
      return deliver(outcome);
    }
    return conclude(outcome);
  }

  /**
   * The events and the domain's state, handed to the producer together and both acknowledged, then the
   * terminal status: whoever sees the end of a command can already read what it did. (Events and state go
   * to different topics, so nothing orders them against each other anyway; one wait instead of two.)
   */
  Future<Void> deliver(Outcome outcome) {
    Future<Void> changes = Future.succeededFuture();
    if (outcome.changedDomain()) {
      String domainId = outcome.command().domainId();
      Future<Void> events = effects.send(() -> bus.events(outcome.events().stream()
          .map(e -> Messages.eventOf(outcome, e, hostId)).toList()));
      Future<Void> state = effects.send(() -> publishState(domainId));
      changes = Future.all(events, state).mapEmpty();
    }
    return changes.compose(v -> effects.send(() -> bus.status(Messages.statusOf(outcome))));
  }

  /** RUNNING: the command has its turn and has started. */
  Future<Void> running(CommandRef ref) {
    return effects.send(() -> bus.status(Messages.running(ref, effects.now())));
  }

  /** The domain's latest state, or a tombstone when it is gone. */
  Future<Void> publishState(String domainId) {
    Optional<Domain> domain = inventory.get(domainId);
    return domain.isEmpty() ? bus.tombstone(domainId) : bus.state(Messages.stateOf(domain.get(), hostId, filesHeld));
  }
}
