package io.virtflow.agent.kafka;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainWorkQueue;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Jobs;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Observations;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.Transition;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.driver.Change;
import io.virtflow.agent.driver.DriverGuard;
import io.virtflow.agent.driver.Hypervisor;
import io.virtflow.agent.driver.HypervisorException;
import io.virtflow.agent.driver.StepResult;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Intent;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.OutcomeJournal;
import io.virtflow.agent.store.RecordedEvent;
import io.virtflow.platform.vertx.Blocking;
import io.virtflow.schema.BeginJob;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Command;
import io.virtflow.schema.Define;
import io.virtflow.schema.EndJob;
import io.virtflow.schema.InspectDisks;
import io.virtflow.schema.ReadConsole;
import io.virtflow.schema.RunStep;

/**
 * Runs the commands of one host, exactly once each, in per-domain order.
 *
 * <p>A command's future (the consumer's "effect done") completes only after, in this order: its effect
 * on the hypervisor, its {@link Outcome} durably in the journal, and its events, the domain's state and
 * its terminal status acknowledged by Kafka. Hence every committed offset has a recorded outcome, and a
 * redelivered command is answered from the journal, never applied again. A command that was cut off
 * between its intent and its outcome is settled by the domain's version (see {@link Intent}).
 *
 * <p>A step that fails (Kafka unreachable, a journal write refused) is retried in place while the agent
 * runs, the domain's turn held meanwhile: a later command of the domain never overtakes an earlier one.
 *
 * <p>Jobs (DESIGN §6): while a snapshot workflow's job holds a domain, every command that would change it
 * and does not carry the job's id ends {@code REJECTED BUSY} naming the job ({@link Jobs}); the job lives in
 * the journal, so it outlives a restart. InspectDisks only reads and is never busy.
 *
 * <p>Everything here runs on the agent's context; hypervisor calls and journal writes go to the worker
 * pool. Not thread-safe.
 */
public final class CommandProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(CommandProcessor.class);
  private static final long MAX_RETRY_BACKOFF_MS = 5_000;

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
  private record Job(Command command, Promise<Void> done, Optional<Event> hint) {
    boolean observation() {
      return command == null;
    }
  }

  /** What a driver call did: a result (a Change, a StepResult, JSON), or a refusal or failure. */
  private record Answer<T>(T result, HypervisorException failure) {
  }

  /** Fails every step once the agent halted. */
  static final class HaltedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    HaltedException() {
      super("agent halted", null);
    }
  }

  private final String hostId;
  private final Hypervisor driver;
  private final DriverGuard guard;
  private final Context context;
  private final OutcomeJournal journal;
  private final Blocking blocking;
  private final BusWriter bus;
  private final Vertx vertx;
  private final Clock clock;
  private final Supplier<UUID> ids;
  private final DomainWorkQueue<Job> queue;
  /** The hypervisor's domains as of the last change this agent made or saw. */
  private final Map<String, Domain> inventory = new HashMap<>();
  /** Cancellations being recorded: a target that comes meanwhile must already see them. */
  private final Map<String, String> cancelling = new HashMap<>();
  private final Set<Future<?>> inFlight = new HashSet<>();
  /** Domains with an observation waiting for its turn (one is enough: it reads the domain when it runs). */
  private final Set<String> observing = new HashSet<>();

  /** Commands being retried after a failed step, and why; read by the health check from any thread. */
  private final Map<String, String> failing = new java.util.concurrent.ConcurrentHashMap<>();
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
    this.blocking = blocking;
    this.bus = bus;
    this.vertx = vertx;
    this.clock = clock;
    this.ids = ids;
    this.queue = new DomainWorkQueue<>(maxConcurrentDomains);
    domains.forEach(d -> inventory.put(d.id(), d));
  }

  /**
   * At start, before any command is taken: what changed while the agent was down, as the difference between
   * the states it last published and the driver's domains now, is published once. A domain that a command
   * changed after its last published state is left out: that command's redelivery publishes what it did
   * (the periodic resync finds anything else).
   */
  public Future<Void> publishChangesSince(Collection<Domain> published) {
    Map<String, Domain> last = new HashMap<>();
    published.forEach(d -> last.put(d.id(), d));
    Set<String> ids = new HashSet<>(last.keySet());
    ids.addAll(inventory.keySet());
    Set<String> commanded = journal.domainsChangedSince(ids.stream().collect(java.util.stream.Collectors.toMap(
        id -> id, id -> last.containsKey(id) ? last.get(id).version() : Domain.ABSENT)));
    List<Future<Void>> out = new ArrayList<>();
    for (String id : ids) {
      Optional<Domain> known = Optional.ofNullable(last.get(id));
      Optional<Domain> now = Optional.ofNullable(inventory.get(id));
      if (commanded.contains(id)) {
        continue;
      }
      List<Event> events = Observations.between(known, now, Optional.empty());
      if (events.isEmpty()) {
        continue;
      }
      String name = now.or(() -> known).map(Domain::name).orElse(id);
      LOG.info("{}: domain '{}' changed while the agent was down: {}", hostId, name, events);
      Instant at = now();
      List<io.virtflow.schema.DomainEvent> records = events.stream()
          .map(e -> Messages.observedEventOf(id, name, new RecordedEvent(this.ids.get(), e, at),
              hostId)).toList();
      out.add(send(() -> bus.events(records)));
      if (now.isEmpty()) {
        out.add(send(() -> bus.tombstone(id)));
      }
    }
    return Future.all(out).mapEmpty();
  }

  /** Takes one command off the host's topic; the future completes when its offset may be committed. */
  public Future<Void> handle(Command command) {
    if (bus.fenced()) {
      return Future.failedFuture(new HaltedException());
    }
    if (mode != Mode.OPEN) {
      return Future.failedFuture(new IllegalStateException("agent is stopping"));
    }
    CommandRef ref = Messages.refOf(command);
    if (!hostId.equals(command.getHostId())) {
      return track(untilDone(ref, () -> conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.INVALID_ARG,
          "command for host '" + command.getHostId() + "' reached host '" + hostId + "'", null, now()))));
    }
    Optional<Cancel> cancel = Messages.cancelOf(command);
    if (cancel.isPresent()) {
      // A cancel does not wait in the domain's line: it acts on that line.
      return track(cancel(command, ref, cancel.get().getTargetCommandId()));
    }
    cutShortShutdownFor(command);
    Promise<Void> done = Promise.promise();
    queue.add(new DomainWorkQueue.Entry<>(command.getDomainId(), command.getCommandId(), new Job(command, done,
        Optional.empty())));
    pump();
    return done.future();
  }

  /**
   * A destroy (or forced undefine) of a domain whose shutdown waits for its guest ends that wait at once, as
   * {@code virsh destroy} does: the shutdown ends saying why, and the destroy runs next in the domain's line.
   */
  private void cutShortShutdownFor(Command command) {
    Optional<Request> request = Messages.requestOf(command.getPayload());
    boolean powerCut = request.isPresent() && (request.get().operation() == Operation.DESTROY
        || (request.get().operation() == Operation.UNDEFINE && request.get().force()));
    if (!powerCut) {
      return;
    }
    queue.runningOf(command.getDomainId())
        .filter(e -> !e.item().observation())
        .filter(e -> Messages.requestOf(e.item().command().getPayload()).map(Request::operation)
            .orElse(null) == Operation.SHUTDOWN)
        .ifPresent(e -> driver.cutShort(command.getDomainId(), Messages.refOf(command).operation().toLowerCase(
            java.util.Locale.ROOT) + " command " + command.getCommandId() + " came while the guest was shutting down"));
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
      Set<String> all = new HashSet<>(inventory.keySet());
      ar.result().forEach(d -> all.add(d.id()));
      all.forEach(id -> enqueueObservation(id, Optional.empty()));
    }));
  }

  private void enqueueObservation(String domainId, Optional<Event> hint) {
    if (halted() || mode != Mode.OPEN || !observing.add(domainId)) {
      return;
    }
    queue.add(new DomainWorkQueue.Entry<>(domainId, "observe-" + ids.get(), new Job(null, Promise.promise(), hint)));
    pump();
  }

  /**
   * An observation's turn: the domain as the driver has it now against the domain as last published. A
   * domain whose command was cut off by a restart is left to that command's redelivery, which publishes
   * what it did.
   */
  private Future<Void> settleObservation(String domainId, Optional<Event> hint) {
    observing.remove(domainId);
    return Future.fromCompletionStage(guard.read("lookup", () -> driver.lookup(domainId)), context).<Void>compose(now -> {
      if (halted()) {
        return Future.failedFuture(new HaltedException());
      }
      if (Observations.passing(now)) {
        return Future.succeededFuture();
      }
      Optional<Domain> known = Optional.ofNullable(inventory.get(domainId));
      List<Event> events = Observations.between(known, now, hint);
      boolean moved = now.map(Domain::version).orElse(Domain.ABSENT) != known.map(Domain::version).orElse(Domain.ABSENT)
          // The guest agent connecting or going away changes no state, but shows in the domain's.
          || !java.util.Objects.equals(now.map(Domain::agentConnected).orElse(null),
              known.map(Domain::agentConnected).orElse(null));
      // The driver's view is the truth from now on, also where nothing a subscriber sees changed.
      remember(domainId, now);
      if (events.isEmpty() && !moved) {
        return Future.succeededFuture();
      }
      String name = now.or(() -> known).map(Domain::name).orElse(domainId);
      if (!events.isEmpty()) {
        LOG.info("{}: domain '{}' changed without a command: {}", hostId, name, events);
      }
      Instant at = now();
      List<io.virtflow.schema.DomainEvent> records = events.stream()
          .map(e -> Messages.observedEventOf(domainId, name, new RecordedEvent(ids.get(), e, at), hostId)).toList();
      Future<Void> published = records.isEmpty() ? Future.succeededFuture() : send(() -> bus.events(records));
      return Future.all(published, send(() -> publishState(domainId))).<Void>mapEmpty();
    }).recover(e -> {
      // Level-triggered: a failed read or write is found again by the next resync.
      LOG.warn("{}: could not settle an observed change of domain {}: {}", hostId, domainId, e.toString());
      return Future.succeededFuture();
    });
  }

  /** The domains this host has, as last seen. */
  public Collection<Domain> domains() {
    return List.copyOf(inventory.values());
  }

  public int queuedCommands() {
    return queue.queued();
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
    failQueued(new HaltedException());
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
    for (DomainWorkQueue.Entry<Job> entry : queue.takeRunnable()) {
      Job job = entry.item();
      if (job.observation()) {
        track(settleObservation(entry.domainId(), job.hint())).onComplete(ar -> {
          queue.finished(entry.domainId());
          pump();
        });
        continue;
      }
      // A failed step is retried in place, holding the domain's turn, so that a later command of the
      // domain can never overtake it; turn() starts from what the journal says, so a retry is safe.
      track(untilDone(Messages.refOf(job.command()), () -> turn(job.command()))).onComplete(ar -> {
        queue.finished(entry.domainId());
        settle(job.done(), ar);
        pump();
      });
    }
  }

  /** A command's turn has come: answer it from the journal, or settle it, or run it. */
  private Future<Void> turn(Command command) {
    CommandRef ref = Messages.refOf(command);
    String id = ref.commandId();
    Optional<Outcome> recorded = journal.outcome(id);
    if (recorded.isPresent()) {
      LOG.info("{}: command {} ({}) was done before: publishing its recorded outcome {}", hostId, id,
          ref.operation(), recorded.get().status());
      return deliver(recorded.get());
    }
    Optional<Intent> unfinished = journal.unfinishedIntent(id);
    if (unfinished.isPresent()) {
      return resume(command, ref, unfinished.get());
    }
    Optional<String> cancelledBy = cancellationOf(id);
    if (cancelledBy.isPresent()) {
      return conclude(Outcome.cancelled(ref, cancelledBy.get(), now()));
    }
    if (expired(command)) {
      return conclude(timedOut(command, ref));
    }
    if (!(command.getPayload() instanceof InspectDisks) && !(command.getPayload() instanceof ReadConsole)) {
      Optional<String> busy = Jobs.busy(nameOf(ref.domainId()), journal.job(ref.domainId()), command.getJobId(),
          clock.instant());
      if (busy.isPresent()) {
        return conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.BUSY, busy.get(),
            stateOf(ref.domainId()), now()));
      }
    }
    return execute(command, ref);
  }

  /** Runs a command that is admitted (not done, not cancelled, not expired, not busy). */
  private Future<Void> execute(Command command, CommandRef ref) {
    Object payload = command.getPayload();
    if (payload instanceof RunStep run) {
      Optional<DiskStep> step = Messages.stepOf(run);
      return step.isPresent() ? runStep(command, ref, step.get())
          : conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.OPERATION_UNSUPPORTED,
              "step kind " + (run.getStep() == null ? null : run.getStep().getKind())
                  + " is not supported by this agent", stateOf(ref.domainId()), now()));
    }
    if (payload instanceof BeginJob begin) {
      return beginJob(command, ref, begin);
    }
    if (payload instanceof EndJob) {
      return endJob(command, ref);
    }
    if (payload instanceof InspectDisks) {
      return inspect(ref);
    }
    if (payload instanceof ReadConsole read) {
      return readConsole(ref, read.getTailLines());
    }
    Optional<Request> request = Messages.requestOf(payload);
    if (request.isEmpty()) {
      return conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.OPERATION_UNSUPPORTED,
          "operation " + ref.operation() + " is not supported by this agent", stateOf(ref.domainId()), now()));
    }
    return apply(command, ref, request.get());
  }

  /**
   * A command that had started before the agent stopped, with no outcome: if the domain's version moved,
   * its effect happened and is recorded now with the events it implies; if not, it runs now. A step on
   * files only, and a job command, run again: each checks first whether it is already done.
   */
  private Future<Void> resume(Command command, CommandRef ref, Intent intent) {
    boolean versioned = intent.request() != null || (intent.step() != null && intent.step().kind().changesDomain());
    return read(ref, () -> driver.lookup(ref.domainId())).compose(now -> {
      if (!versioned || !intent.effectHappened(now)) {
        LOG.info("{}: command {} ({}) had started before a restart and is not known to have taken effect: "
            + "running it now", hostId, ref.commandId(), ref.operation());
        return expired(command) ? conclude(timedOut(command, ref)) : execute(command, ref);
      }
      LOG.info("{}: command {} ({}) took effect before a restart (version {} -> {}): recording it, not redoing it",
          hostId, ref.commandId(), ref.operation(), intent.versionBefore(), now.map(Domain::version).orElse(0L));
      remember(ref.domainId(), now);
      return conclude(Outcome.succeeded(ref, "took effect before the agent restarted",
          now.map(Domain::state).orElse(null), now(), now.map(Domain::name).orElse(intent.domainName()),
          recorded(intent.impliedEvents()), intent.step() != null, null));
    });
  }

  /**
   * RUNNING goes out while the domain is looked up and the intent recorded; the driver is called only once
   * it was acknowledged. (Its terminal status has the same key and producer, so it cannot overtake it.)
   * What is legal is decided here, from the domain as the driver has it now ({@link Lifecycle}); the driver
   * carries the decision out.
   */
  private Future<Void> apply(Command command, CommandRef ref, Request request) {
    Future<Void> running = send(() -> bus.status(Messages.running(ref, now())));
    return read(ref, () -> driver.lookup(command.getDomainId())).transform(ar -> {
      if (ar.failed()) {
        return ar.cause() instanceof HypervisorException e ? running.compose(v -> conclude(failureOutcome(ref, e)))
            : Future.failedFuture(ar.cause());
      }
      Optional<Domain> before = ar.result();
      Transition decided = decide(command, ref, request, before);
      if (decided instanceof Transition.Rejected r) {
        return running.compose(v -> conclude(Outcome.refused(ref, Outcome.Status.REJECTED, r.fault(), r.message(),
            r.current().orElse(null), now())));
      }
      Transition.Accepted accepted = (Transition.Accepted) decided;
      return work(() -> recordIntent(command, request, null, before)).compose(intent -> running)
          .compose(v -> call(ref, request.operation().verb(), () -> invoke(command, request, before, accepted)))
          .compose(answer -> finish(ref, answer, outcomeOf(ref, answer)));
    });
  }

  private Transition decide(Command command, CommandRef ref, Request request, Optional<Domain> before) {
    if (before.isEmpty()) {
      String name = command.getPayload() instanceof Define d ? d.getName() : ref.domainId();
      return Lifecycle.applyToAbsent(name, request);
    }
    Domain d = before.get();
    return Lifecycle.apply(d.name(), d.state(), d.reason(), request);
  }

  /**
   * Looks the domain up, records the intent, then runs {@code next}. A driver that cannot even be read
   * ends the command FAILED before anything started (no intent).
   */
  private Future<Void> intentThen(Command command, CommandRef ref, Request request, DiskStep step,
      Supplier<Future<Void>> next) {
    return read(ref, () -> driver.lookup(command.getDomainId())).transform(ar -> {
      if (ar.failed()) {
        return ar.cause() instanceof HypervisorException e ? conclude(failureOutcome(ref, e))
            : Future.failedFuture(ar.cause());
      }
      return work(() -> recordIntent(command, request, step, ar.result())).compose(intent -> next.get());
    });
  }

  private Intent recordIntent(Command command, Request request, DiskStep step, Optional<Domain> before)
      throws Exception {
    String name = before.map(Domain::name).orElseGet(() ->
        command.getPayload() instanceof Define d ? d.getName() : command.getDomainId());
    Intent intent = new Intent(command.getCommandId(), command.getDomainId(), name, request, step,
        before.map(Domain::version).orElse(Domain.ABSENT), before.map(Domain::state).orElse(null),
        before.map(Domain::reason).orElse(null), now());
    journal.recordIntent(intent);
    return intent;
  }

  private Change invoke(Command command, Request request, Optional<Domain> before, Transition.Accepted decided) {
    return command.getPayload() instanceof Define define
        ? driver.define(command.getDomainId(), Messages.definitionOf(define, command.getPrincipal(), command.getProject()))
        : driver.carryOut(before.orElseThrow(), request, decided);
  }

  private Outcome outcomeOf(CommandRef ref, Answer<Change> attempt) {
    if (attempt.failure() != null) {
      return failureOutcome(ref, attempt.failure());
    }
    Change change = attempt.result();
    remember(ref.domainId(), change.removed() ? Optional.empty() : Optional.of(change.domain()));
    return Outcome.succeeded(ref, null, change.removed() ? null : change.domain().state(), now(),
        change.domain().name(), recorded(change.events()));
  }

  // ---- snapshot workflow steps, jobs, inspection -------------------------------------------------

  /** As {@link #apply}: RUNNING overlaps the lookup and the intent, and is acknowledged before the step runs. */
  private Future<Void> runStep(Command command, CommandRef ref, DiskStep step) {
    Future<Void> running = send(() -> bus.status(Messages.running(ref, now())));
    return intentThen(command, ref, null, step, () -> running.compose(v -> call(ref, "runStep " + step.kind(),
        () -> driver.runStep(ref.domainId(), step)).compose(answer -> finish(ref, answer, stepOutcome(ref, answer)))));
  }

  private Outcome stepOutcome(CommandRef ref, Answer<StepResult> answer) {
    if (answer.failure() != null) {
      return failureOutcome(ref, answer.failure());
    }
    StepResult r = answer.result();
    if (r.changed()) {
      remember(ref.domainId(), Optional.of(r.domain()));
    }
    return Outcome.succeeded(ref, r.message(), r.domain().state(), now(), r.domain().name(), recorded(r.events()),
        r.changed(), null);
  }

  private Future<Void> inspect(CommandRef ref) {
    return send(() -> bus.status(Messages.running(ref, now())))
        .compose(v -> call(ref, "inspectDisks", () -> driver.inspectDisks(ref.domainId())))
        .compose(answer -> conclude(answer.failure() != null ? failureOutcome(ref, answer.failure())
            : Outcome.succeeded(ref, null, stateOf(ref.domainId()), now(), nameOf(ref.domainId()), List.of(), false,
                answer.result())));
  }

  /** Only reads: never busy, changes nothing; the console's tail is the status's result. */
  private Future<Void> readConsole(CommandRef ref, int tailLines) {
    int lines = Math.max(1, Math.min(tailLines, 10_000));
    return send(() -> bus.status(Messages.running(ref, now())))
        .compose(v -> call(ref, "console", () -> driver.console(ref.domainId(), lines)))
        .compose(answer -> conclude(answer.failure() != null ? failureOutcome(ref, answer.failure())
            : Outcome.succeeded(ref, null, stateOf(ref.domainId()), now(), nameOf(ref.domainId()), List.of(), false,
                answer.result())));
  }

  private Future<Void> beginJob(Command command, CommandRef ref, BeginJob begin) {
    String domainId = ref.domainId();
    if (!inventory.containsKey(domainId)) {
      return conclude(Outcome.refused(ref, Outcome.Status.REJECTED, Fault.NO_DOMAIN, "cannot begin a job on domain '"
          + domainId + "': no such domain on this host", null, now()));
    }
    Jobs.Decision decision = Jobs.begin(domainId, nameOf(domainId), journal.job(domainId), command.getJobId(),
        begin.getDescription(), begin.getExpiresAt(), clock.instant());
    if (decision instanceof Jobs.Take take) {
      return send(() -> bus.status(Messages.running(ref, now())))
          .compose(v -> work(() -> {
            recordIntent(command, null, null, driver.lookup(domainId));
            journal.recordJob(take.job());
            return null;
          }))
          .compose(v -> conclude(Outcome.succeeded(ref, take.message(), stateOf(domainId), now(), nameOf(domainId),
              List.of())));
    }
    return conclude(jobOutcome(ref, decision));
  }

  private Future<Void> endJob(Command command, CommandRef ref) {
    String domainId = ref.domainId();
    Jobs.Decision decision = Jobs.end(nameOf(domainId), journal.job(domainId), command.getJobId(), clock.instant());
    if (decision instanceof Jobs.Release release) {
      return send(() -> bus.status(Messages.running(ref, now())))
          .compose(v -> work(() -> {
            recordIntent(command, null, null, driver.lookup(domainId));
            journal.recordJobEnd(domainId, release.job().id());
            return null;
          }))
          .compose(v -> conclude(Outcome.succeeded(ref, release.message(), stateOf(domainId), now(),
              nameOf(domainId), List.of())));
    }
    return conclude(jobOutcome(ref, decision));
  }

  private Outcome jobOutcome(CommandRef ref, Jobs.Decision decision) {
    if (decision instanceof Jobs.Refused r) {
      return Outcome.refused(ref, Outcome.Status.REJECTED, r.fault(), r.message(), stateOf(ref.domainId()), now());
    }
    String message = ((Jobs.AlreadyDone) decision).message();
    return Outcome.succeeded(ref, message, stateOf(ref.domainId()), now(), nameOf(ref.domainId()), List.of());
  }

  /**
   * A driver call through the guard, whose refusal or failure is an answer, not an error of the agent.
   * Like {@link #work}, its result is dropped if the agent halted meanwhile.
   */
  private <T> Future<Answer<T>> call(CommandRef ref, String what, Supplier<T> call) {
    if (halted()) {
      return Future.failedFuture(new HaltedException());
    }
    return Future.fromCompletionStage(guard.call(what, call), context).transform(ar -> {
      if (halted()) {
        return Future.failedFuture(new HaltedException());
      }
      if (ar.succeeded()) {
        return Future.succeededFuture(new Answer<>(ar.result(), null));
      }
      return ar.cause() instanceof HypervisorException e ? Future.succeededFuture(new Answer<T>(null, e))
          : Future.failedFuture(ar.cause());
    });
  }

  /** A driver read through the guard (not counted by its breaker); fails with a HypervisorException. */
  private <T> Future<T> read(CommandRef ref, Supplier<T> call) {
    if (halted()) {
      return Future.failedFuture(new HaltedException());
    }
    return Future.fromCompletionStage(guard.read("lookup", call), context)
        .compose(r -> halted() ? Future.failedFuture(new HaltedException()) : Future.succeededFuture(r));
  }

  /**
   * Ends a command that called the driver. A call that timed out may still take effect: its intent stays
   * unfinished (as after a crash) and only the FAILED TIMEOUT status goes out, so that a redelivery settles
   * it by the domain's version instead of answering from a guess.
   */
  private <T> Future<Void> finish(CommandRef ref, Answer<T> answer, Outcome outcome) {
    if (answer.failure() != null && answer.failure().fault() == Fault.TIMEOUT && !answer.failure().guest()) {
      LOG.warn("{}: command {} ({}) FAILED TIMEOUT: {}", hostId, ref.commandId(), ref.operation(),
          answer.failure().getMessage());
      return deliver(outcome);
    }
    return conclude(outcome);
  }

  private Outcome failureOutcome(CommandRef ref, HypervisorException e) {
    Outcome.Status status = e.refused() ? Outcome.Status.REJECTED : Outcome.Status.FAILED;
    return Outcome.refused(ref, status, e.fault(), e.getMessage(), e.current().orElse(stateOf(ref.domainId())),
        now());
  }

  // ---- cancel ------------------------------------------------------------------------------------

  private Future<Void> cancel(Command command, CommandRef ref, String target) {
    Optional<Outcome> recorded = journal.outcome(ref.commandId());
    if (recorded.isPresent()) {
      return untilDone(ref, () -> deliver(recorded.get()));
    }
    if (expired(command)) {
      return untilDone(ref, () -> conclude(timedOut(command, ref)));
    }
    Optional<String> refusal = cannotCancel(ref.commandId(), target);
    if (refusal.isPresent()) {
      return untilDone(ref, () -> conclude(Outcome.refused(ref, Outcome.Status.FAILED, Fault.OPERATION_INVALID,
          refusal.get(), null, now())));
    }
    // Out of the line first, so that it cannot start while the cancellation is being recorded; its
    // consumer waits until the cancellation is done, as it would have waited for its turn.
    List<DomainWorkQueue.Entry<Job>> queued = queue.cancelQueued(target);
    cancelling.put(target, ref.commandId());
    String message = queued.isEmpty()
        ? "command " + target + " has not arrived: it will end CANCELLED when it does"
        : "cancelled command " + target + " before it started";
    Future<Void> done = untilDone(ref, () -> work(() -> {
      journal.recordCancellation(target, ref.commandId());
      return null;
    }).compose(v -> queued.isEmpty() ? Future.<Void>succeededFuture()
        : conclude(Outcome.cancelled(Messages.refOf(queued.get(0).item().command()), ref.commandId(), now())))
        .compose(v -> conclude(Outcome.succeeded(ref, message, null, now(), null, List.of()))));
    return done.onComplete(ar -> {
      cancelling.remove(target);
      queued.forEach(e -> settle(e.item().done(), ar));
    });
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

  private Optional<String> cancellationOf(String commandId) {
    String inProgress = cancelling.get(commandId);
    return inProgress != null ? Optional.of(inProgress) : journal.pendingCancellation(commandId);
  }

  // ---- ending a command --------------------------------------------------------------------------

  /**
   * Records the outcome durably, then publishes it. The first outcome recorded for a command is its
   * outcome: if one is there already (a retried step), that one is published instead.
   */
  private Future<Void> conclude(Outcome outcome) {
    Optional<Outcome> recorded = journal.outcome(outcome.commandId());
    if (recorded.isPresent()) {
      return deliver(recorded.get());
    }
    if (outcome.status() != Outcome.Status.SUCCEEDED) {
      LOG.info("{}: command {} ({}) {}{}: {}", hostId, outcome.commandId(), outcome.command().operation(),
          outcome.status(), outcome.fault() == null ? "" : " " + outcome.fault(), outcome.message());
    }
    return work(() -> {
      journal.recordOutcome(outcome);
      return outcome;
    }).compose(this::deliver);
  }

  /**
   * The events and the domain's state, handed to the producer together and both acknowledged, then the
   * terminal status: whoever sees the end of a command can already read what it did. (Events and state go
   * to different topics, so nothing orders them against each other anyway; one wait instead of two.)
   */
  private Future<Void> deliver(Outcome outcome) {
    Future<Void> changes = Future.succeededFuture();
    if (outcome.changedDomain()) {
      String domainId = outcome.command().domainId();
      Future<Void> events = send(() -> bus.events(outcome.events().stream()
          .map(e -> Messages.eventOf(outcome, e, hostId)).toList()));
      Future<Void> state = send(() -> publishState(domainId));
      changes = Future.all(events, state).mapEmpty();
    }
    return changes.compose(v -> send(() -> bus.status(Messages.statusOf(outcome))));
  }

  /** The domain's latest state, or a tombstone when it is gone. */
  public Future<Void> publishState(String domainId) {
    Domain domain = inventory.get(domainId);
    return domain == null ? bus.tombstone(domainId) : bus.state(Messages.stateOf(domain, hostId));
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private Outcome timedOut(Command command, CommandRef ref) {
    return Outcome.refused(ref, Outcome.Status.TIMED_OUT, Fault.TIMEOUT,
        "deadline " + command.getDeadline() + " passed before the command could start", stateOf(ref.domainId()),
        now());
  }

  private boolean expired(Command command) {
    return clock.instant().isAfter(command.getDeadline());
  }

  private List<RecordedEvent> recorded(List<Event> events) {
    Instant at = now();
    return events.stream().map(e -> new RecordedEvent(ids.get(), e, at)).toList();
  }

  private void remember(String domainId, Optional<Domain> domain) {
    domain.ifPresentOrElse(d -> inventory.put(domainId, d), () -> inventory.remove(domainId));
  }

  private State stateOf(String domainId) {
    Domain d = inventory.get(domainId);
    return d == null ? null : d.state();
  }

  /** How messages name a domain: its name, or its id when this host does not have it. */
  private String nameOf(String domainId) {
    Domain d = inventory.get(domainId);
    return d == null ? domainId : d.name();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Blocking work on the pool; its result is dropped if the agent halted meanwhile. */
  private <T> Future<T> work(Callable<T> task) {
    if (halted()) {
      return Future.failedFuture(new HaltedException());
    }
    return blocking.run(task).compose(r -> halted() ? Future.failedFuture(new HaltedException())
        : Future.succeededFuture(r));
  }

  private Future<Void> send(Supplier<Future<Void>> write) {
    return halted() ? Future.failedFuture(new HaltedException()) : write.get();
  }

  /**
   * Runs a command's step until it succeeds: a failure (Kafka unreachable, a journal write refused) is
   * retried with a capped backoff while the agent runs. Once it stops, the failure goes to the consumer,
   * which leaves the record uncommitted for the next start.
   */
  private Future<Void> untilDone(CommandRef ref, Supplier<Future<Void>> step) {
    return untilDone(ref, step, 0);
  }

  private Future<Void> untilDone(CommandRef ref, Supplier<Future<Void>> step, int attempt) {
    return safely(step).transform(ar -> {
      if (ar.succeeded()) {
        failing.remove(ref.commandId());
        return Future.succeededFuture();
      }
      if (mode != Mode.OPEN || bus.fenced()) {
        failing.remove(ref.commandId());
        return Future.failedFuture(ar.cause());
      }
      long delay = Math.min(MAX_RETRY_BACKOFF_MS, 100L << Math.min(attempt, 6));
      failing.put(ref.commandId(), ar.cause().toString());
      LOG.warn("{}: command {} ({}) failed a step (attempt {}), again in {} ms: {}", hostId, ref.commandId(),
          ref.operation(), attempt + 1, delay, ar.cause().toString());
      return vertx.timer(delay).compose(v -> untilDone(ref, step, attempt + 1));
    });
  }

  /** Commands whose last step failed and that are being retried, with the error. */
  public Map<String, String> failingCommands() {
    return Map.copyOf(failing);
  }

  private static Future<Void> safely(Supplier<Future<Void>> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static void settle(Promise<Void> promise, io.vertx.core.AsyncResult<Void> result) {
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
    for (DomainWorkQueue.Entry<Job> entry : queue.clearQueued()) {
      entry.item().done().tryFail(why);
    }
  }

  private Future<Void> settled() {
    return Future.join(new ArrayList<>(inFlight)).transform(ar -> Future.succeededFuture());
  }
}
