package io.virtflow.gateway.command;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.CommandTrack;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.DomainRules;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.IdempotencyLedger;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Permission;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.Placement;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Refusal;
import io.virtflow.gateway.domain.SnapshotRules;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.gateway.domain.Submission;
import io.virtflow.schema.Topics;

/**
 * The one command path (DESIGN §5: HTTP and the {@code virtflow.commands} topic are two doors into it):
 * idempotency, validation, resolution of the domain and its host, placement, then the write on the
 * host's topic (snapshot requests: on {@code snapshot.requests}); only once Kafka acknowledged it the
 * ACCEPTED status is written and the command counts as accepted. A refusal or a failed write leaves
 * nothing behind.
 *
 * <p>A submission that carries its own command id (the Kafka door's {@code CommandRequest.commandId})
 * is idempotent by that id: an id already on {@code command.status} (the projection knows every one),
 * or being carried out now, is answered as a replay and nothing is published again. Its refusals are
 * recorded too, as a REJECTED status with the refusal's code and message, and its answer comes only
 * once that status (or, when accepted, the ACCEPTED status) is acknowledged: a failed answer
 * ({@link BusUnavailable}) means "not done, submit again", and submitting again is safe.
 *
 * <p>Runs on the gateway verticle's context, with {@link GatewayState}.
 */
public final class CommandService {
  private static final Logger LOG = LoggerFactory.getLogger(CommandService.class);

  private final GatewayState state;
  private final CommandSink sink;
  private final Supplier<UUID> ids;
  private final Duration defaultDeadline;
  private final Map<String, InFlight> inFlight = new HashMap<>();
  /** Submissions with their own command id, being carried out now. */
  private final Map<String, Future<Accepted>> inFlightIds = new HashMap<>();
  /** Statuses of own-id submissions decided and applied here whose write failed: written on the next attempt. */
  private final Map<String, StatusUpdate> unwritten = new HashMap<>();

  private record InFlight(String requestHash, Future<Accepted> answer) {
  }

  /** A command resolved and ready to publish, with what to undo if publishing fails. */
  private record Prepared(CommandDraft draft, boolean pendingDefine) {
  }

  public CommandService(GatewayState state, CommandSink sink, Supplier<UUID> ids, Duration defaultDeadline) {
    this.state = state;
    this.sink = sink;
    this.ids = ids;
    this.defaultDeadline = defaultDeadline;
  }

  public Duration defaultDeadline() {
    return defaultDeadline;
  }

  /**
   * Carries out one submission: accepted (the command is durably in Kafka), or failed with a
   * {@link Refusal} (nothing published; with an own command id, the REJECTED status is) or a
   * {@link BusUnavailable} (nothing accepted; may be submitted again).
   */
  public Future<Accepted> submit(Submission s) {
    if (s.commandId() != null) {
      return once(s.commandId(), () -> carryOut(s));
    }
    if (s.idempotencyKey() == null) {
      return carryOut(s);
    }
    String slot = s.principal().name() + '\u0000' + s.idempotencyKey();
    InFlight running = inFlight.get(slot);
    if (running != null) {
      // The same key is being carried out right now: share its outcome (accepted or not), never publish twice.
      return running.requestHash().equals(s.requestHash())
          ? running.answer().map(Accepted::asReplay)
          : Future.failedFuture(Refusal.keyReused(s.idempotencyKey()));
    }
    IdempotencyLedger.Decision decision = state.ledger().decide(s.principal().name(), s.idempotencyKey(), s.requestHash());
    if (decision instanceof IdempotencyLedger.Decision.Replay replay) {
      return Future.succeededFuture(new Accepted(replay.original().commandId(), replay.original().domainId(), true));
    }
    if (decision instanceof IdempotencyLedger.Decision.Conflict) {
      return Future.failedFuture(Refusal.keyReused(s.idempotencyKey()));
    }
    Future<Accepted> answer = carryOut(s);
    if (!answer.isComplete()) {
      inFlight.put(slot, new InFlight(s.requestHash(), answer));
      answer.onComplete(ar -> inFlight.remove(slot));
    }
    return answer;
  }

  /**
   * Records a request with its own command id that a door refused before it could become a
   * {@link Submission} (a field it cannot carry): the same idempotency by id, the same REJECTED status.
   * Fails with {@code refusal} once recorded, or with {@link BusUnavailable}.
   */
  public Future<Accepted> refuse(String commandId, String principal, String project, String operation,
      Refusal refusal) {
    return once(commandId, () -> recordRefusal(commandId, principal, project, operation, refusal));
  }

  /** The idempotency of submissions with their own command id. */
  private Future<Accepted> once(String commandId, Supplier<Future<Accepted>> work) {
    Future<Accepted> running = inFlightIds.get(commandId);
    if (running != null) {
      // The same id is being carried out right now: share its outcome, never publish twice.
      return running.map(Accepted::asReplay);
    }
    StatusUpdate retry = unwritten.remove(commandId);
    if (retry != null) {
      return remember(commandId, sink.publishStatus(retry).transform(ar -> {
        if (ar.failed()) {
          unwritten.put(commandId, retry);
          return Future.failedFuture(statusNotTaken(retry, ar.cause()));
        }
        return Future.succeededFuture(new Accepted(commandId, retry.domainId(), true));
      }));
    }
    Optional<CommandTrack> known = state.commands().find(commandId);
    if (known.isPresent()) {
      return Future.succeededFuture(new Accepted(commandId, known.get().domainId(), true));
    }
    return remember(commandId, work.get());
  }

  private Future<Accepted> remember(String commandId, Future<Accepted> answer) {
    if (!answer.isComplete()) {
      inFlightIds.put(commandId, answer);
      answer.onComplete(ar -> inFlightIds.remove(commandId));
    }
    return answer;
  }

  private Future<Accepted> recordRefusal(String commandId, String principal, String project, String operation,
      Refusal refusal) {
    StatusUpdate rejected = new StatusUpdate(commandId, null, null, operation, Phase.REJECTED, refusal.code().name(),
        refusal.getMessage(), null, now(), principal, null, null, null, null, project);
    // Applied here only once Kafka has it: until then a retry must write it again.
    return sink.publishStatus(rejected).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(statusNotTaken(rejected, ar.cause()));
      }
      state.statusReported(rejected);
      return Future.failedFuture(refusal);
    });
  }

  private static BusUnavailable statusNotTaken(StatusUpdate u, Throwable cause) {
    return new BusUnavailable("Kafka did not acknowledge the " + u.phase() + " status of command " + u.commandId()
        + " (" + cause.getMessage() + ")", cause);
  }

  private Instant now() {
    // Kafka timestamps are milliseconds: so are ours, and a status read back equals the one kept.
    return state.clock().instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private Future<Accepted> carryOut(Submission s) {
    Prepared p;
    try {
      p = prepare(s);
    } catch (Refusal r) {
      return s.commandId() == null ? Future.failedFuture(r)
          : recordRefusal(s.commandId(), s.principal().name(), soleProject(s.principal()), s.operation().name(), r);
    }
    CommandDraft d = p.draft();
    Future<Void> written = d.operation() instanceof Operation.SnapshotOperation
        ? sink.publishSnapshotRequest(d)
        : sink.ensureHostTopic(d.hostId()).compose(v -> sink.publish(d));
    return written.transform(ar -> ar.succeeded() ? accepted(p, s.commandId() != null)
        : Future.failedFuture(notTaken(p, ar.cause())));
  }

  private Prepared prepare(Submission s) {
    Instant now = now();
    checkTimeout(s.timeout());
    Duration timeout = s.timeout() == null ? defaultDeadline : s.timeout();
    Instant deadline = now.plus(timeout);
    String commandId = s.commandId() != null ? s.commandId() : ids.get().toString();
    Operation op = s.operation();
    Principal who = s.principal();
    // The role first: a refusal for the role says nothing about what exists. A console read only reads.
    if (op instanceof Operation.ReadConsole) {
      who.require(Permission.READ, "read a domain's console");
    } else {
      who.require(Permission.OPERATE, "send commands");
    }
    if (op instanceof Operation.Define define) {
      DefineSpec spec = define.spec();
      if (spec.host() != null) {
        who.require(Permission.CHOOSE_HOST, "name the host of a define");
      }
      String project = who.projectForDefine(s.project());
      DomainRules.checkDefine(spec);
      if (state.domains().nameTaken(spec.name()) || state.pending().nameTaken(spec.name())) {
        // Names are unique across projects (as on a libvirt host); the refusal says nothing more of the other one.
        throw Refusal.conflict("domain name '" + spec.name() + "' is already in use");
      }
      String hostId = hostFor(spec);
      String domainId = ids.get().toString();
      state.pending().reserve(commandId, domainId, spec.name(), hostId, spec.memoryMiB(), deadline);
      state.projectChosen(domainId, project);
      return new Prepared(draft(s, commandId, domainId, hostId, now, deadline, project), true);
    }
    if (op instanceof Operation.Cancel cancel) {
      CommandTrack target = state.commands().find(cancel.targetCommandId())
          .filter(t -> who.sees(state.projectOf(t)))
          .orElseThrow(() -> Refusal.unknownCommand(cancel.targetCommandId()));
      if (target.terminal()) {
        throw Refusal.conflict("command " + target.commandId() + " already ended " + target.phase()
            + "; there is nothing to cancel");
      }
      if (Operation.isSnapshotOperation(target.operation())) {
        throw Refusal.unsupported("command " + target.commandId() + " is a snapshot request (" + target.operation()
            + "); snapshot requests cannot be cancelled (one not started by its deadline ends TIMED_OUT)");
      }
      if (target.hostId() == null || target.domainId() == null) {
        throw Refusal.conflict("command " + target.commandId() + " has no known host yet");
      }
      return new Prepared(draft(s, commandId, target.domainId(), target.hostId(), now, deadline,
          state.projectOf(target)), false);
    }
    if (op instanceof Operation.SnapshotOperation snapshot) {
      SnapshotRules.checkInput(snapshot);
    }
    // Another project's domain answers exactly as a missing one.
    GatewayState.Target target = state.resolve(s.domainRef())
        .filter(t -> who.sees(state.projectOf(t.domainId())))
        .orElseThrow(() -> Refusal.noDomain(s.domainRef()));
    if (op instanceof Operation.SnapshotOperation snapshot) {
      // A workflow under way does not stop a request: the snapshot service runs a domain's requests one by one.
      // The guest agent is opt-in: quiesce is checked against the domain's own flag (unknown while pending).
      SnapshotRules.checkAgainst(snapshot, target.name(), state.snapshots().entry(target.domainId()),
          state.domains().byId(target.domainId()).orElse(null));
      SnapshotRules.checkLive(snapshot, target.name(), state.domains().byId(target.domainId()).orElse(null),
          state.hosts().find(target.hostId()).map(HostView::driver).orElse(null));
    } else if (op instanceof Operation.Undefine undefine) {
      SnapshotRules.checkUndefine(target.name(), undefine, state.snapshots().count(target.domainId()));
    } else if (op instanceof Operation.ReadConsole) {
      // A read is worth nothing later: it is not queued for a host that cannot answer now.
      HostView host = state.hosts().find(target.hostId()).orElse(null);
      if (host == null || !state.hostUp(host)) {
        throw Refusal.hostNotUp(target.hostId(), "the console of domain '" + target.name() + "' cannot be read now");
      }
    }
    // A DOWN host's commands are accepted all the same: they wait in its topic, under their deadline.
    // Lifecycle commands are accepted while a snapshot workflow holds the domain's job: the agent answers BUSY.
    // A host whose driver is disconnected gets its commands too: its agent answers DRIVER_ERROR at once.
    return new Prepared(draft(s, commandId, target.domainId(), target.hostId(), now, deadline,
        state.projectOf(target.domainId())), false);
  }

  /** The project recorded with a refusal: the principal's, when it has exactly one. */
  private static String soleProject(Principal p) {
    return p.projects().size() == 1 ? p.projects().iterator().next() : null;
  }

  /** {@code timeoutMs} may shorten the deadline, never lengthen it. */
  private void checkTimeout(Duration timeout) {
    if (timeout != null && (timeout.toMillis() < 1 || timeout.compareTo(defaultDeadline) > 0)) {
      throw Refusal.invalid("timeoutMs", "must be between 1 and " + defaultDeadline.toMillis() + ", got "
          + timeout.toMillis());
    }
  }

  /**
   * The define's host: the one it names (which must have every image the definition names, by its last
   * heartbeat, UP or not), or by {@link Placement} among the UP hosts that have them all.
   */
  private String hostFor(DefineSpec spec) {
    Map<String, String> imagesByField = spec.imagesByField();
    if (spec.host() != null) {
      if (!Topics.isValidHostId(spec.host())) {
        throw Refusal.invalid("host", "'" + spec.host() + "' is not a host id");
      }
      HostView host = state.hosts().find(spec.host()).orElseThrow(() -> Refusal.noHost(spec.host()));
      Map<String, String> missing = new LinkedHashMap<>();
      imagesByField.forEach((field, image) -> {
        if (!host.images().contains(image)) {
          missing.put(field, image);
        }
      });
      if (!missing.isEmpty()) {
        throw Refusal.hostLacksImages(spec.host(), missing);
      }
      return spec.host();
    }
    Set<String> images = new LinkedHashSet<>(imagesByField.values());
    List<Placement.Candidate> candidates = state.placementCandidates();
    return Placement.choose(candidates, images).orElseThrow(() -> {
      Map<String, List<String>> lacking = new TreeMap<>();
      candidates.stream().filter(Placement.Candidate::up).forEach(c -> lacking.put(c.hostId(), c.lacking(images)));
      return lacking.isEmpty() ? Refusal.noHostUp() : Refusal.noHostWithImages(images, lacking);
    });
  }

  private static CommandDraft draft(Submission s, String commandId, String domainId, String hostId, Instant now,
      Instant deadline, String project) {
    return new CommandDraft(commandId, domainId, hostId, now, deadline, s.principal().name(), s.idempotencyKey(),
        s.requestHash(), s.operation(), project);
  }

  /**
   * The command is in Kafka: ACCEPTED is applied here and written. An own-id submission is answered once
   * that status is acknowledged too (so that its id is known after a restart); otherwise at once.
   */
  private Future<Accepted> accepted(Prepared p, boolean awaitStatus) {
    CommandDraft d = p.draft();
    if (p.pendingDefine()) {
      state.pending().acknowledged(d.commandId());
    }
    Instant at = now();
    StatusUpdate status = new StatusUpdate(d.commandId(), d.domainId(), d.hostId(), d.operation().name(),
        Phase.ACCEPTED, null, null, null, at, d.principal(), d.idempotencyKey(), d.requestHash(), null, null,
        d.project(), d.deadline());
    state.statusReported(status);
    Accepted accepted = new Accepted(d.commandId(), d.domainId(), false);
    Future<Void> written = sink.publishStatus(status);
    if (awaitStatus) {
      // Forwarded, and known here: a retry after a failed status write writes the status, nothing else.
      return written.transform(ar -> {
        if (ar.failed()) {
          unwritten.put(d.commandId(), status);
          return Future.failedFuture(statusNotTaken(status, ar.cause()));
        }
        return Future.succeededFuture(accepted);
      });
    }
    written.onFailure(e ->
        // The command itself is durable and will run; only its ACCEPTED line is missing from the topic.
        LOG.warn("command {} accepted, but its ACCEPTED status could not be written: {}", d.commandId(), e.toString()));
    return Future.succeededFuture(accepted);
  }

  /**
   * Ends TIMED_OUT every command that can no longer start because its host is down past its deadline
   * ({@link GatewayState#overdue}): applied here and written to {@code command.status}. A write that fails
   * is tried again by the next sweep after a restart (the topic still says ACCEPTED). Returns how many.
   */
  public int timeOutOverdue() {
    List<StatusUpdate> overdue = state.overdue();
    for (StatusUpdate u : overdue) {
      LOG.info("command {} ({} on {}) TIMED_OUT: {}", u.commandId(), u.operation(), u.hostId(), u.message());
      state.statusReported(u);
      sink.publishStatus(u).onFailure(e -> LOG.warn("command {}: its TIMED_OUT status could not be written: {}",
          u.commandId(), e.toString()));
    }
    return overdue.size();
  }

  private Throwable notTaken(Prepared p, Throwable cause) {
    if (p.pendingDefine()) {
      state.pending().release(p.draft().commandId());
    }
    LOG.warn("command {} ({} on {}) not accepted: {}", p.draft().commandId(), p.draft().operation().name(),
        p.draft().hostId(), cause.toString());
    return new BusUnavailable("Kafka did not acknowledge the command (" + cause.getMessage()
        + "); nothing was accepted, the request may be retried", cause);
  }
}
