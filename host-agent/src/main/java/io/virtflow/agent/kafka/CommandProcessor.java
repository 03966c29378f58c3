package io.virtflow.agent.kafka;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.virtflow.agent.domain.Admission;
import io.virtflow.agent.domain.AgentCommand;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainWorkQueue;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Jobs;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.driver.DriverGuard;
import io.virtflow.agent.driver.Hypervisor;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Intent;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.OutcomeJournal;
import io.virtflow.platform.vertx.Blocking;

/**
 * Runs the commands of one host, exactly once each, in per-domain order.
 *
 * <p>A command's future (the consumer's "effect done") completes only after, in this order: its effect
 * on the hypervisor, its {@link Outcome} durably in the journal, and its events, the domain's state and
 * its terminal status acknowledged by Kafka ({@link OutcomePublisher}). Hence every committed offset has a
 * recorded outcome, and a redelivered command is answered from the journal, never applied again. A command
 * that was cut off between its intent and its outcome is settled by the domain's version (see {@link Intent}).
 * Whether a command whose turn has come runs is {@link Admission}'s decision; {@link CommandRunner} runs it.
 *
 * <p>A step that fails (Kafka unreachable, a journal write refused) is retried in place while the agent
 * runs ({@link Retries}), the domain's turn held meanwhile: a later command of the domain never overtakes an
 * earlier one.
 *
 * <p>Jobs (DESIGN §6): while a snapshot workflow's job holds a domain, every command that would change it
 * and does not carry the job's id ends {@code REJECTED BUSY} naming the job ({@link Jobs}); the job lives in
 * the journal, so it outlives a restart. InspectDisks and ReadConsole only read and are never busy.
 *
 * <p>Changes nobody asked for ({@link ChangeFeed}) wait in the domain's line like commands. A Cancel does
 * not wait in it: it acts on it ({@link Cancellations}).
 *
 * <p>Everything here runs on the agent's context; hypervisor calls and journal writes go to the worker
 * pool. Not thread-safe.
 */
public final class CommandProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(CommandProcessor.class);

  private enum Mode {
    /** Taking commands. */
    OPEN,
    /** Clean stop: no new commands, running ones finish. */
    DRAINING,
    /** Simulated crash (tests): every step fails from now on, nothing more is recorded or published. */
    HALTED
  }

  /**
   * A command waiting for its turn, and the consumer waiting for it to be done; or (command null) a change
   * the driver observed, to be read and published in its turn, in order with the domain's commands.
   */
  record Waiting(AgentCommand command, Promise<Void> done, Optional<Event> hint) {
    boolean observation() {
      return command == null;
    }
  }

  private final String hostId;
  private final Hypervisor driver;
  private final DriverGuard guard;
  private final Context context;
  private final OutcomeJournal journal;
  private final BusWriter bus;
  private final Clock clock;
  private final Supplier<UUID> ids;
  private final DomainWorkQueue<Waiting> queue;
  private final Inventory inventory;
  private final Effects effects;
  private final OutcomePublisher publisher;
  private final Retries retries;
  private final Cancellations cancellations;
  private final CommandRunner runner;
  private final ChangeFeed changeFeed;
  private final Set<Future<?>> inFlight = new HashSet<>();
  /** Domains with an observation waiting for its turn (one is enough: it reads the domain when it runs). */
  private final Set<String> observing = new HashSet<>();
  private Mode mode = Mode.OPEN;

  /** Build it on the agent's context: driver answers come back there. */
  public CommandProcessor(String hostId, Hypervisor driver, DriverGuard guard, OutcomeJournal journal,
      Blocking blocking, BusWriter bus, Vertx vertx, Clock clock, Supplier<UUID> ids, int maxConcurrentDomains,
      Collection<Domain> domains) {
    this.hostId = hostId;
    this.driver = driver;
    this.guard = guard;
    this.context = vertx.getOrCreateContext();
    this.journal = journal;
    this.bus = bus;
    this.clock = clock;
    this.ids = ids;
    this.queue = new DomainWorkQueue<>(maxConcurrentDomains);
    this.inventory = new Inventory(domains);
    this.effects = new Effects(guard, context, blocking, clock, this::halted);
    this.publisher = new OutcomePublisher(hostId, journal, bus, inventory, effects, driver.holdsFilesWhileActive());
    this.retries = new Retries(hostId, vertx, () -> mode != Mode.OPEN || bus.fenced());
    this.cancellations = new Cancellations(queue, journal, effects, publisher, retries, inventory, clock);
    this.runner = new CommandRunner(hostId, driver, journal, inventory, effects, publisher, clock, ids);
    this.changeFeed = new ChangeFeed(hostId, driver, guard, context, journal, bus, inventory, effects, publisher,
        ids);
  }

  /** See {@link ChangeFeed#publishChangesSince}: at start, what changed while the agent was down. */
  public Future<Void> publishChangesSince(Collection<Domain> published) {
    return changeFeed.publishChangesSince(published);
  }

  /** Takes one command off the host's topic; the future completes when its offset may be committed. */
  public Future<Void> handle(AgentCommand command) {
    if (bus.fenced()) {
      return Future.failedFuture(new Effects.HaltedException());
    }
    if (mode != Mode.OPEN) {
      return Future.failedFuture(new IllegalStateException("agent is stopping"));
    }
    CommandRef ref = CommandRef.of(command.envelope());
    String to = command.envelope().hostId();
    if (!hostId.equals(to)) {
      return track(retries.untilDone(ref, () -> publisher.conclude(Outcome.refused(ref, Outcome.Status.REJECTED,
          Fault.INVALID_ARG, "command for host '" + to + "' reached host '" + hostId + "'", null, effects.now()))));
    }
    if (command instanceof AgentCommand.Cancel cancel) {
      // A cancel does not wait in the domain's line: it acts on that line.
      return track(cancellations.cancel(cancel, ref));
    }
    cutShortShutdownFor(command, ref);
    Promise<Void> done = Promise.promise();
    queue.add(new DomainWorkQueue.Entry<>(command.domainId(), command.commandId(), new Waiting(command, done,
        Optional.empty())));
    pump();
    return done.future();
  }

  /**
   * A destroy (or forced undefine) of a domain whose shutdown waits for its guest ends that wait at once, as
   * {@code virsh destroy} does: the shutdown ends saying why, and the destroy runs next in the domain's line.
   */
  private void cutShortShutdownFor(AgentCommand command, CommandRef ref) {
    Optional<Request> request = command.lifecycleRequest();
    boolean powerCut = request.isPresent() && (request.get().operation() == Operation.DESTROY
        || (request.get().operation() == Operation.UNDEFINE && request.get().force()));
    if (!powerCut) {
      return;
    }
    queue.runningOf(command.domainId())
        .filter(e -> !e.item().observation())
        .filter(e -> e.item().command().lifecycleRequest().map(Request::operation).orElse(null) == Operation.SHUTDOWN)
        .ifPresent(e -> driver.cutShort(command.domainId(), ref.operation().toLowerCase(Locale.ROOT)
            + " command " + command.commandId() + " came while the guest was shutting down"));
  }

  // ---- the change feed ---------------------------------------------------------------------------

  /**
   * The driver saw domain {@code domainId} change (any thread): it is read again in its turn, after the
   * domain's earlier commands, and whatever changed that no command reported is published as events and
   * a new state. Observations of a domain that already waits for its turn collapse into that one.
   */
  public void observed(String domainId, Optional<Event> hint) {
    context.runOnContext(v -> enqueueObservation(domainId, hint));
  }

  /** Every domain may have changed (a reconnect, a periodic resync): each is read again in its turn. */
  public void resync() {
    context.runOnContext(v -> Future.fromCompletionStage(guard.read("list", driver::list), context).onComplete(ar -> {
      if (ar.failed()) {
        // Level-triggered: the next resync (or the reconnect's) tries again.
        LOG.warn("{}: resync could not list the domains: {}", hostId, ar.cause().toString());
        return;
      }
      Set<String> all = new HashSet<>(inventory.ids());
      ar.result().forEach(d -> all.add(d.id()));
      all.forEach(id -> enqueueObservation(id, Optional.empty()));
    }));
  }

  private void enqueueObservation(String domainId, Optional<Event> hint) {
    if (halted() || mode != Mode.OPEN || !observing.add(domainId)) {
      return;
    }
    queue.add(new DomainWorkQueue.Entry<>(domainId, "observe-" + ids.get(), new Waiting(null, Promise.promise(),
        hint)));
    pump();
  }

  /** The domains this host has, as last seen. */
  public Collection<Domain> domains() {
    return inventory.all();
  }

  public int queuedCommands() {
    return queue.queued();
  }

  /** Commands whose last step failed and that are being retried, with the error. */
  public Map<String, String> failingCommands() {
    return retries.failing();
  }

  /** The domain's latest state, or a tombstone when it is gone. */
  public Future<Void> publishState(String domainId) {
    return publisher.publishState(domainId);
  }

  /** Clean stop: refuses new commands, hands queued ones back (uncommitted), lets running ones finish. */
  public Future<Void> drain() {
    if (mode == Mode.OPEN) {
      mode = Mode.DRAINING;
    }
    failQueued(new IllegalStateException("agent is stopping"));
    return settled();
  }

  /** Simulated crash: nothing more is recorded or published; completes once running steps let go. */
  public Future<Void> halt() {
    mode = Mode.HALTED;
    failQueued(new Effects.HaltedException());
    return settled();
  }

  /**
   * Crashed, or fenced by a newer instance of this host (read from any thread, through the bus writer):
   * every step checks this before it touches the hypervisor, the journal or the bus, so a command that was
   * already in hand when the fence came is dropped, not applied.
   */
  private boolean halted() {
    return mode == Mode.HALTED || bus.fenced();
  }

  // ---- the line of each domain -------------------------------------------------------------------

  private void pump() {
    if (halted()) {
      return;
    }
    for (DomainWorkQueue.Entry<Waiting> entry : queue.takeRunnable()) {
      Waiting waiting = entry.item();
      if (waiting.observation()) {
        observing.remove(entry.domainId());
        track(changeFeed.settle(entry.domainId(), waiting.hint())).onComplete(ar -> {
          queue.finished(entry.domainId());
          pump();
        });
        continue;
      }
      // A failed step is retried in place, holding the domain's turn, so that a later command of the
      // domain can never overtake it; turn() starts from what the journal says, so a retry is safe.
      AgentCommand command = waiting.command();
      track(retries.untilDone(CommandRef.of(command.envelope()), () -> turn(command))).onComplete(ar -> {
        queue.finished(entry.domainId());
        settle(waiting.done(), ar);
        pump();
      });
    }
  }

  /** A command's turn has come: answer it from the journal, or settle it, or run it ({@link Admission}). */
  private Future<Void> turn(AgentCommand command) {
    CommandRef ref = CommandRef.of(command.envelope());
    String id = ref.commandId();
    String domainId = ref.domainId();
    Admission.Decision<Outcome, Intent> admission = Admission.decide(journal.outcome(id),
        journal.unfinishedIntent(id), cancellations.cancellationOf(id), command.envelope().deadline(),
        command.onlyReads(), inventory.nameOf(domainId), journal.job(domainId), command.envelope().jobId(),
        clock.instant());
    if (admission instanceof Admission.AnswerFromJournal<Outcome, Intent> done) {
      LOG.info("{}: command {} ({}) was done before: publishing its recorded outcome {}", hostId, id,
          ref.operation(), done.outcome().status());
      return publisher.deliver(done.outcome());
    }
    if (admission instanceof Admission.Resume<Outcome, Intent> resume) {
      return runner.resume(command, ref, resume.intent());
    }
    if (admission instanceof Admission.Cancelled<Outcome, Intent> cancelled) {
      return publisher.conclude(Outcome.cancelled(ref, cancelled.by(), effects.now()));
    }
    if (admission instanceof Admission.TimedOut<Outcome, Intent> timedOut) {
      return publisher.conclude(CommandRunner.timedOut(ref, timedOut.deadline(), inventory.stateOf(domainId),
          effects.now()));
    }
    if (admission instanceof Admission.Busy<Outcome, Intent> busy) {
      return publisher.conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.BUSY, busy.message(),
          inventory.stateOf(domainId), effects.now()));
    }
    return runner.execute(command, ref);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  static void settle(Promise<Void> promise, AsyncResult<Void> result) {
    if (result.succeeded()) {
      promise.tryComplete();
    } else {
      promise.tryFail(result.cause());
    }
  }

  private <T> Future<T> track(Future<T> future) {
    if (!future.isComplete()) {
      inFlight.add(future);
      future.onComplete(ar -> inFlight.remove(future));
    }
    return future;
  }

  private void failQueued(RuntimeException why) {
    for (DomainWorkQueue.Entry<Waiting> entry : queue.clearQueued()) {
      entry.item().done().tryFail(why);
    }
  }

  private Future<Void> settled() {
    return Future.join(new ArrayList<>(inFlight)).transform(ar -> Future.succeededFuture());
  }
}
