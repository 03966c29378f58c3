package io.virtflow.snapshot.workflow;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.Publisher;
import io.virtflow.schema.BeginJob;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.EndJob;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.InspectDisks;
import io.virtflow.schema.ReconcileSnapshots;
import io.virtflow.schema.RevertSnapshot;
import io.virtflow.schema.RunStep;
import io.virtflow.schema.SnapshotEvent;
import io.virtflow.schema.SnapshotPhase;
import io.virtflow.schema.SnapshotRequest;
import io.virtflow.snapshot.domain.CatalogBook;
import io.virtflow.snapshot.domain.DiskLayout;
import io.virtflow.snapshot.domain.DomainCatalog;
import io.virtflow.snapshot.domain.DomainCatalog.InProgress.Phase;
import io.virtflow.snapshot.domain.DomainDirectory;
import io.virtflow.snapshot.domain.Plan;
import io.virtflow.snapshot.domain.Planner;
import io.virtflow.snapshot.domain.Power;
import io.virtflow.snapshot.domain.Reconciliation;
import io.virtflow.snapshot.domain.SnapshotKind;
import io.virtflow.snapshot.domain.SnapshotTree;
import io.virtflow.snapshot.domain.Step;
import io.virtflow.snapshot.kafka.CatalogFeed;
import io.virtflow.snapshot.kafka.CatalogMapping;
import io.virtflow.snapshot.kafka.StatusWatcher;

/**
 * Runs snapshot workflows, one at a time per domain. A workflow writes its in-progress event (every step,
 * every file) before its first step, holds the domain's job from its first step to its last, sends each
 * step to the domain's host agent as a command with an id derived from the workflow (so a replay after a
 * restart is answered from the agent's journal instead of running twice) and writes its final event with
 * the whole catalog after the last. A restarted service rolls every unfinished workflow forward.
 */
public final class Workflows {
  private static final Logger LOG = LoggerFactory.getLogger(Workflows.class);

  private final Vertx vertx;
  private final BusConfig bus;
  private final Publisher publisher;
  private final StatusWatcher watcher;
  private final CatalogBook book;
  private final CatalogFeed feed;
  private final DomainDirectory directory;
  private final Clock clock;
  private final Duration stepTimeout;
  private final Map<String, Future<Void>> tails = new HashMap<>();
  private final StepHook hook;

  /**
   * Called before each step of a workflow is sent. Tests use it to stop the service at a chosen step
   * boundary, as a crash would.
   */
  @FunctionalInterface
  public interface StepHook {
    StepHook NONE = (workflowId, index, step) -> { };

    void beforeStep(String workflowId, int index, Step step);
  }

  public Workflows(Vertx vertx, BusConfig bus, Publisher publisher, StatusWatcher watcher, CatalogBook book,
      CatalogFeed feed, DomainDirectory directory, Clock clock, Duration stepTimeout, StepHook hook) {
    this.hook = hook;
    this.vertx = vertx;
    this.bus = bus;
    this.publisher = publisher;
    this.watcher = watcher;
    this.book = book;
    this.feed = feed;
    this.directory = directory;
    this.clock = clock;
    this.stepTimeout = stepTimeout;
  }

  /** Handles one request; the future completes when its outcome is published. */
  public Future<Void> submit(SnapshotRequest request) {
    return serial(request.getDomainId(), () -> run(request));
  }

  /** Rolls every workflow that recorded "started" but not "finished" forward. */
  public Future<Void> resumeUnfinished() {
    List<Future<Void>> all = new ArrayList<>();
    for (DomainCatalog c : book.inProgress()) {
      LOG.info("resuming {} workflow {} of domain {}", c.inProgress().phase(), c.inProgress().workflowId(),
          c.domainId());
      all.add(serial(c.domainId(), () -> resume(c)));
    }
    return Future.join(all).mapEmpty();
  }

  /** A domain was undefined: its catalog goes (undefine with snapshotsMetadata). */
  public Future<Void> dropCatalog(String domainId) {
    if (book.get(domainId).isEmpty()) {
      return Future.succeededFuture();
    }
    return serial(domainId, () -> publishEvent(SnapshotEvent.newBuilder().setEventId(UUID.randomUUID().toString())
        .setDomainId(domainId).setWorkflowId(UUID.randomUUID().toString()).setPhase(SnapshotPhase.DROPPED)
        .setReason("domain undefined").setAt(clock.instant()).build()));
  }

  private Future<Void> serial(String domainId, Supplier<Future<Void>> work) {
    Future<Void> previous = tails.getOrDefault(domainId, Future.succeededFuture());
    Future<Void> next = previous.transform(ar -> {
      try {
        return work.get();
      } catch (RuntimeException e) {
        LOG.error("workflow for domain {} failed: {}", domainId, e.toString(), e);
        return Future.failedFuture(e);
      }
    });
    tails.put(domainId, next);
    next.onComplete(ar -> tails.remove(domainId, next));
    return next.recover(e -> Future.succeededFuture());
  }

  // ------------------------------------------------------------------------------------------ requests

  private Future<Void> run(SnapshotRequest r) {
    if (book.isFinished(r.getCommandId()) || inProgressFor(r)) {
      return Future.succeededFuture(); // a redelivered request whose workflow exists already
    }
    String op = operation(r);
    if (clock.instant().isAfter(r.getDeadline())) {
      return status(r, null, op, CommandStatusCode.TIMED_OUT, ErrorCode.TIMEOUT,
          "deadline " + r.getDeadline() + " passed before the request could run", null);
    }
    DomainDirectory.Entry domain = directory.find(r.getDomainId()).orElse(null);
    if (domain == null) {
      return status(r, null, op, CommandStatusCode.REJECTED, ErrorCode.NO_DOMAIN,
          "no domain with id " + r.getDomainId(), null);
    }
    DomainCatalog catalog = book.get(r.getDomainId()).orElse(null);
    Planner.Domain d = new Planner.Domain(domain.name(), Power.of(domain.state()), domain.guestAgent(),
        catalog == null ? SnapshotTree.empty() : catalog.tree(), layoutOf(domain, catalog), domain.filesHeld());
    Object p = r.getPayload();
    if (p instanceof ReconcileSnapshots) {
      return reconcile(r, domain, d.layout());
    }
    String wf = workflowId(r.getCommandId());
    Planner.FileNamer namer = (target, i) -> newFile(d.layout(), domain.domainId(), target, wf, i);
    Planner.Decision decision;
    SnapshotPhase phase;
    String name;
    if (p instanceof CreateSnapshot c) {
      phase = SnapshotPhase.CREATING;
      name = c.getName();
      decision = Planner.create(d, c.getName(), SnapshotKind.valueOf(c.getKind().name()), c.getDescription(),
          c.getQuiesce(), c.getMemory(), clock.instant(), namer);
    } else if (p instanceof RevertSnapshot v) {
      phase = SnapshotPhase.REVERTING;
      name = v.getName();
      decision = Planner.revert(d, v.getName(), Planner.StartMode.valueOf(v.getStart().name()), v.getForce(), namer);
    } else if (p instanceof DeleteSnapshot x) {
      phase = SnapshotPhase.DELETING;
      name = x.getName();
      decision = Planner.delete(d, x.getName(), x.getChildren(), x.getChildrenOnly(), x.getMetadataOnly());
    } else {
      return status(r, domain.hostId(), op, CommandStatusCode.REJECTED, ErrorCode.INVALID_ARG,
          "unknown snapshot request " + p.getClass().getSimpleName(), null);
    }
    if (decision instanceof Planner.Refused refused) {
      return status(r, domain.hostId(), op, CommandStatusCode.REJECTED, ErrorCode.valueOf(refused.refusal().code()),
          refused.refusal().message(), null);
    }
    Plan plan = ((Planner.Planned) decision).plan();
    DomainCatalog.InProgress ip = new DomainCatalog.InProgress(wf, r.getCommandId(), Phase.valueOf(phase.name()), name,
        domain.hostId(), plan.steps(), plan.undo(), plan.tree(), plan.layout());
    SnapshotEvent started = SnapshotEvent.newBuilder().setEventId(UUID.randomUUID().toString())
        .setDomainId(r.getDomainId()).setWorkflowId(wf).setCommandId(r.getCommandId()).setPhase(phase)
        .setSnapshotName(name).setAt(clock.instant()).setHostId(domain.hostId())
        .setSteps(CatalogMapping.toAvro(plan.steps())).setUndo(CatalogMapping.toAvro(plan.undo()))
        .setFiles(List.copyOf(plan.touchedFiles())).setCatalog(CatalogMapping.toAvro(plan.tree(), plan.layout()))
        .build();
    // "started", with every step and file, is durable before the first step runs.
    return publishEvent(started)
        .compose(v -> status(r, domain.hostId(), op, CommandStatusCode.RUNNING, null, null, null))
        .compose(v -> carryOut(ip, r.getDomainId(), d.tree(), d.layout(), r.getPrincipal(), op));
  }

  private Future<Void> resume(DomainCatalog c) {
    DomainCatalog.InProgress ip = c.inProgress();
    DiskLayout before = c.layout();
    if (before == null) {
      before = directory.find(c.domainId()).map(e -> DiskLayout.of(e.disks())).orElse(DiskLayout.of(Map.of()));
    }
    return carryOut(ip, c.domainId(), c.tree(), before, "snapshot-service", operationOf(ip.phase()));
  }

  /** Job, steps, job end; then the final event and the request's terminal status. */
  private Future<Void> carryOut(DomainCatalog.InProgress ip, String domainId, SnapshotTree oldTree,
      DiskLayout oldLayout, String principal, String op) {
    String wf = ip.workflowId();
    String host = ip.hostId();
    Instant jobEnds = clock.instant().plus(stepTimeout.multipliedBy(Math.max(4, ip.steps().size() + 2)));
    return send(wf, "begin", domainId, host, principal, BeginJob.newBuilder()
        .setDescription(ip.phase().name().toLowerCase() + " snapshot '" + ip.snapshotName() + "'").setExpiresAt(jobEnds).build())
        .compose(begin -> {
          if (!ok(begin)) {
            return finishFailed(ip, domainId, host, oldTree, oldLayout, principal, op, begin, "taking the domain's job");
          }
          return runSteps(ip, domainId, host, principal, 0).compose(failure -> {
            if (failure == null) {
              return endJob(wf, domainId, host, principal).compose(v -> finishOk(ip, domainId, host, op));
            }
            return undoIfSafe(ip, domainId, host, principal, failure.index())
                .compose(undone -> endJob(wf, domainId, host, principal)
                    .compose(v -> finishFailed(ip, domainId, host, oldTree, oldLayout, principal, op, failure.status(),
                        "step " + (failure.index() + 1) + " of " + ip.steps().size() + " ("
                            + describe(ip.steps().get(failure.index())) + ")"
                            + (undone ? "" : "; the steps already done were kept: run reconcile"))));
          });
        });
  }

  private record StepFailure(int index, CommandStatus status) {
  }

  private Future<StepFailure> runSteps(DomainCatalog.InProgress ip, String domainId, String host, String principal,
      int index) {
    if (index >= ip.steps().size()) {
      return Future.succeededFuture(null);
    }
    Step step = ip.steps().get(index);
    try {
      hook.beforeStep(ip.workflowId(), index, step);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return send(ip.workflowId(), "step-" + index, domainId, host, principal,
        RunStep.newBuilder().setStep(CatalogMapping.toAvro(step)).build())
        .compose(s -> ok(s) ? runSteps(ip, domainId, host, principal, index + 1)
            : Future.succeededFuture(new StepFailure(index, s)));
  }

  /** Undoes a create, or a revert that failed before it touched anything the domain uses. */
  private Future<Boolean> undoIfSafe(DomainCatalog.InProgress ip, String domainId, String host, String principal,
      int failedAt) {
    boolean create = ip.phase() == Phase.CREATING;
    boolean onlyPrepared = ip.steps().subList(0, failedAt).stream()
        .allMatch(s -> s.preparesOnly() || isOnCopy(s, ip));
    if (!create && !(onlyPrepared && ip.phase() == Phase.REVERTING)) {
      return Future.succeededFuture(failedAt == 0);
    }
    return runUndo(ip, domainId, host, principal, 0, true);
  }

  private static boolean isOnCopy(Step s, DomainCatalog.InProgress ip) {
    Set<String> created = new java.util.HashSet<>();
    for (Step p : ip.steps()) {
      if (p.creates() != null) {
        created.add(p.creates());
      }
    }
    return (s instanceof Step.ApplyInternal a && created.contains(a.file()))
        || (s instanceof Step.DeleteInternal d && created.contains(d.file()));
  }

  private Future<Boolean> runUndo(DomainCatalog.InProgress ip, String domainId, String host, String principal,
      int index, boolean allOk) {
    if (index >= ip.undo().size()) {
      return Future.succeededFuture(allOk);
    }
    return send(ip.workflowId(), "undo-" + index, domainId, host, principal,
        RunStep.newBuilder().setStep(CatalogMapping.toAvro(ip.undo().get(index))).build())
        .compose(s -> runUndo(ip, domainId, host, principal, index + 1, allOk && ok(s)));
  }

  private Future<Void> endJob(String wf, String domainId, String host, String principal) {
    return send(wf, "end", domainId, host, principal, EndJob.newBuilder().build()).mapEmpty();
  }

  private Future<Void> finishOk(DomainCatalog.InProgress ip, String domainId, String host, String op) {
    SnapshotPhase done = switch (ip.phase()) {
      case CREATING -> SnapshotPhase.CREATED;
      case REVERTING -> SnapshotPhase.REVERTED;
      case DELETING -> SnapshotPhase.DELETED;
    };
    SnapshotEvent event = SnapshotEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setDomainId(domainId)
        .setWorkflowId(ip.workflowId()).setCommandId(ip.commandId()).setPhase(done).setSnapshotName(ip.snapshotName())
        .setAt(clock.instant()).setHostId(host).setCatalog(CatalogMapping.toAvro(ip.plannedTree(), ip.plannedLayout()))
        .build();
    return publishEvent(event).compose(v -> statusFor(ip.commandId(), domainId, host, op,
        CommandStatusCode.SUCCEEDED, null, null, null));
  }

  private Future<Void> finishFailed(DomainCatalog.InProgress ip, String domainId, String host, SnapshotTree oldTree,
      DiskLayout oldLayout, String principal, String op, CommandStatus cause, String where) {
    String reason = where + " failed: " + (cause == null ? "no answer" : cause.getStatus() + " "
        + (cause.getCode() == null ? "" : cause.getCode() + " ") + (cause.getMessage() == null ? "" : cause.getMessage()));
    ErrorCode code = cause == null || cause.getCode() == null ? ErrorCode.DRIVER_ERROR : cause.getCode();
    SnapshotEvent event = SnapshotEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setDomainId(domainId)
        .setWorkflowId(ip.workflowId()).setCommandId(ip.commandId()).setPhase(SnapshotPhase.FAILED)
        .setSnapshotName(ip.snapshotName()).setReason(reason).setAt(clock.instant()).setHostId(host)
        .setCatalog(CatalogMapping.toAvro(oldTree, oldLayout)).build();
    return publishEvent(event).compose(v -> statusFor(ip.commandId(), domainId, host, op, CommandStatusCode.FAILED,
        code, reason, null));
  }

  // ------------------------------------------------------------------------------------------ reconcile

  private Future<Void> reconcile(SnapshotRequest r, DomainDirectory.Entry domain, DiskLayout layout) {
    String op = operation(r);
    return status(r, domain.hostId(), op, CommandStatusCode.RUNNING, null, null, null)
        .compose(v -> send(workflowId(r.getCommandId()), "inspect", r.getDomainId(), domain.hostId(), r.getPrincipal(),
            InspectDisks.newBuilder().build()))
        .compose(s -> {
          if (!ok(s)) {
            return status(r, domain.hostId(), op, CommandStatusCode.FAILED,
                s == null || s.getCode() == null ? ErrorCode.DRIVER_ERROR : s.getCode(),
                "inspecting the disks failed: " + (s == null ? "no answer" : s.getMessage()), null);
          }
          List<String> drift = Reconciliation.drift(layout, observed(new JsonObject(s.getResult())));
          JsonObject result = new JsonObject().put("consistent", drift.isEmpty()).put("drift", new JsonArray(drift));
          SnapshotEvent event = SnapshotEvent.newBuilder().setEventId(UUID.randomUUID().toString())
              .setDomainId(r.getDomainId()).setWorkflowId(workflowId(r.getCommandId())).setCommandId(r.getCommandId())
              .setPhase(SnapshotPhase.RECONCILED).setAt(clock.instant()).setHostId(domain.hostId())
              .setReason(drift.isEmpty() ? "catalog matches the disks" : drift.size() + " difference(s): "
                  + String.join("; ", drift)).build();
          return publishEvent(event).compose(x -> status(r, domain.hostId(), op, CommandStatusCode.SUCCEEDED, null,
              null, result.encode()));
        });
  }

  /** The agent's InspectDisks answer (see the host agent's disk package) as the rules' observation. */
  static Reconciliation.Observed observed(JsonObject result) {
    Map<String, String> active = new LinkedHashMap<>();
    Map<String, String> backing = new LinkedHashMap<>();
    Map<String, Set<String>> tags = new LinkedHashMap<>();
    JsonObject disks = result.getJsonObject("disks", new JsonObject());
    for (String target : disks.fieldNames()) {
      JsonObject disk = disks.getJsonObject(target);
      active.put(target, disk.getString("active"));
      JsonArray chain = disk.getJsonArray("chain", new JsonArray());
      for (int i = 0; i < chain.size(); i++) {
        JsonObject info = chain.getJsonObject(i);
        String file = info.getString("filename");
        String b = info.getString("full-backing-filename", info.getString("backing-filename"));
        backing.put(file, b);
      }
    }
    JsonObject tagJson = result.getJsonObject("tags", new JsonObject());
    for (String file : tagJson.fieldNames()) {
      Set<String> t = new java.util.HashSet<>();
      tagJson.getJsonArray(file).forEach(x -> t.add(String.valueOf(x)));
      tags.put(file, t);
    }
    Set<String> pool = new java.util.HashSet<>();
    result.getJsonArray("poolFiles", new JsonArray()).forEach(x -> pool.add(String.valueOf(x)));
    return new Reconciliation.Observed(active, backing, tags, pool);
  }

  // ------------------------------------------------------------------------------------------ plumbing

  private Future<CommandStatus> send(String wf, String stepKey, String domainId, String host, String principal,
      Object payload) {
    String commandId = UUID.nameUUIDFromBytes((wf + "/" + stepKey).getBytes(StandardCharsets.UTF_8)).toString();
    Instant now = clock.instant();
    Command command = Command.newBuilder().setCommandId(commandId).setDomainId(domainId).setHostId(host)
        .setIssuedAt(now).setDeadline(now.plus(stepTimeout)).setPrincipal(principal).setJobId(wf).setPayload(payload)
        .build();
    Future<CommandStatus> answer = watcher.expect(commandId);
    Promise<CommandStatus> bounded = Promise.promise();
    long timer = vertx.setTimer(stepTimeout.toMillis() + 5_000, id -> {
      watcher.forget(commandId);
      bounded.tryComplete(null);
    });
    answer.onSuccess(s -> {
      vertx.cancelTimer(timer);
      bounded.tryComplete(s);
    });
    return publisher.send(bus.topics().hostCommands(host), domainId, Codecs.COMMAND.encode(command))
        .compose(md -> bounded.future(), e -> {
          vertx.cancelTimer(timer);
          watcher.forget(commandId);
          return Future.failedFuture(e);
        });
  }

  private static boolean ok(CommandStatus s) {
    return s != null && s.getStatus() == CommandStatusCode.SUCCEEDED;
  }

  private Future<Void> publishEvent(SnapshotEvent e) {
    return publisher.send(bus.topics().snapshotEvents(), e.getDomainId(), Codecs.SNAPSHOT_EVENT.encode(e))
        .onSuccess(md -> feed.applyLocal(e)).mapEmpty();
  }

  private Future<Void> status(SnapshotRequest r, String host, String op, CommandStatusCode code, ErrorCode error,
      String message, String result) {
    CommandStatus s = CommandStatus.newBuilder().setCommandId(r.getCommandId()).setDomainId(r.getDomainId())
        .setHostId(host).setOperation(op).setStatus(code).setCode(error).setMessage(message).setAt(clock.instant())
        .setPrincipal(r.getPrincipal()).setIdempotencyKey(r.getIdempotencyKey()).setRequestHash(r.getRequestHash())
        .setResult(result).setJobId(workflowId(r.getCommandId())).build();
    return publisher.send(bus.topics().commandStatus(), s.getCommandId(), Codecs.COMMAND_STATUS.encode(s)).mapEmpty();
  }

  private Future<Void> statusFor(String commandId, String domainId, String host, String op, CommandStatusCode code,
      ErrorCode error, String message, String result) {
    if (commandId == null) {
      return Future.succeededFuture();
    }
    CommandStatus s = CommandStatus.newBuilder().setCommandId(commandId).setDomainId(domainId).setHostId(host)
        .setOperation(op).setStatus(code).setCode(error).setMessage(message).setAt(clock.instant()).setResult(result)
        .setJobId(workflowId(commandId)).build();
    return publisher.send(bus.topics().commandStatus(), commandId, Codecs.COMMAND_STATUS.encode(s)).mapEmpty();
  }

  private boolean inProgressFor(SnapshotRequest r) {
    return book.get(r.getDomainId()).map(c -> c.busy() && r.getCommandId().equals(c.inProgress().commandId()))
        .orElse(false);
  }

  private static String operation(SnapshotRequest r) {
    return r.getPayload().getClass().getSimpleName();
  }

  private static String operationOf(Phase phase) {
    return switch (phase) {
      case CREATING -> "CreateSnapshot";
      case REVERTING -> "RevertSnapshot";
      case DELETING -> "DeleteSnapshot";
    };
  }

  static String workflowId(String commandId) {
    return UUID.nameUUIDFromBytes(("workflow/" + commandId).getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static DiskLayout layoutOf(DomainDirectory.Entry domain, DomainCatalog catalog) {
    if (catalog != null && catalog.layout() != null) {
      return catalog.layout();
    }
    return DiskLayout.of(domain.disks());
  }

  /** A new file beside the disk's base image: {@code <pool>/<domainId>-<target>-<wf8>-<i>.qcow2}. */
  static String newFile(DiskLayout layout, String domainId, String target, String wf, int index) {
    String any = layout.active(target);
    String dir = any.substring(0, any.lastIndexOf('/') + 1);
    return dir + domainId + "-" + target + "-" + wf.substring(0, 8) + "-" + index + ".qcow2";
  }

  private static String describe(Step s) {
    return s.toString();
  }
}
