package io.virtflow.gateway.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.vertx.ext.web.RoutingContext;
import io.virtflow.gateway.command.Accepted;
import io.virtflow.gateway.command.CommandService;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.AuditEntry;
import io.virtflow.gateway.domain.BootSpec;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.DiskSpec;
import io.virtflow.gateway.domain.DomainRef;
import io.virtflow.gateway.domain.DomainRules;
import io.virtflow.gateway.domain.InterfaceSpec;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.RequestFingerprint;
import io.virtflow.gateway.domain.RevertStart;
import io.virtflow.gateway.domain.SnapshotKind;
import io.virtflow.gateway.domain.SnapshotSpec;
import io.virtflow.gateway.domain.Submission;

/**
 * The state-changing calls: define, the lifecycle operations, undefine, cancel, and the snapshot
 * requests. Each reads its input strictly, then hands one {@link Submission} to the
 * {@link CommandService}, and answers 202 once the command is durably in Kafka.
 */
final class CommandRoutes {
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  static final String REPLAYED = "Idempotent-Replayed";
  private static final int KEY_MAX = 255;
  private static final String TIMEOUT_MS = "timeoutMs";
  private static final Set<String> DEFINE_FIELDS = Set.of("name", "host", "vcpus", "memoryMiB", "disks", "project",
      "boot", "interfaces", "guestAgent");
  private static final Set<String> DISK_FIELDS = Set.of("target", "sizeGiB", "image");
  private static final Set<String> BOOT_FIELDS = Set.of("kernel", "initrd", "cmdline");
  private static final Set<String> INTERFACE_FIELDS = Set.of("network", "mac");
  private static final Set<String> SNAPSHOT_FIELDS = Set.of("name", "kind", "description", "quiesce", "memory");
  private static final Set<String> DELETE_SNAPSHOT_PARAMS = Set.of(TIMEOUT_MS, "children", "childrenOnly",
      "metadataOnly");

  private final CommandService service;
  private final GatewayState state;

  CommandRoutes(CommandService service, GatewayState state) {
    this.service = service;
    this.state = state;
  }

  void define(RoutingContext ctx) {
    ObjectNode body = JsonInput.object(ctx.body().buffer(), true);
    JsonInput.onlyFields(body, "", DEFINE_FIELDS);
    String name = JsonInput.string(body, "", "name", true);
    String host = JsonInput.string(body, "", "host", false);
    String project = JsonInput.string(body, "", "project", false);
    long vcpus = JsonInput.integer(body, "", "vcpus", true);
    long memory = JsonInput.integer(body, "", "memoryMiB", true);
    List<DiskSpec> disks = new ArrayList<>();
    ArrayNode diskNodes = JsonInput.array(body, "", "disks", false);
    if (diskNodes != null) {
      for (int i = 0; i < diskNodes.size(); i++) {
        disks.add(disk(JsonInput.element(diskNodes, "disks", i), "disks[" + i + "]."));
      }
    }
    BootSpec boot = boot(JsonInput.object(body, "", "boot", false));
    List<InterfaceSpec> interfaces = new ArrayList<>();
    ArrayNode nicNodes = JsonInput.array(body, "", "interfaces", false);
    if (nicNodes != null) {
      for (int i = 0; i < nicNodes.size(); i++) {
        ObjectNode nic = JsonInput.element(nicNodes, "interfaces", i);
        String prefix = "interfaces[" + i + "].";
        JsonInput.onlyFields(nic, prefix, INTERFACE_FIELDS);
        interfaces.add(new InterfaceSpec(JsonInput.string(nic, prefix, "network", false),
            JsonInput.string(nic, prefix, "mac", false)));
      }
    }
    boolean guestAgent = Boolean.TRUE.equals(JsonInput.bool(body, "", "guestAgent", false));
    submit(ctx, new Operation.Define(new DefineSpec(name, host, vcpus, memory, disks, boot, interfaces, guestAgent)),
        null, body, Set.of(TIMEOUT_MS), project);
  }

  /** A disk: on a base image ({@code image}) its size may be left out. */
  private static DiskSpec disk(ObjectNode disk, String prefix) {
    JsonInput.onlyFields(disk, prefix, DISK_FIELDS);
    String target = JsonInput.string(disk, prefix, "target", true);
    String image = JsonInput.string(disk, prefix, "image", false);
    Long size = JsonInput.integer(disk, prefix, "sizeGiB", image == null);
    return new DiskSpec(target, size == null ? DomainRules.IMAGE_DISK_DEFAULT_GIB : size, image);
  }

  private static BootSpec boot(ObjectNode boot) {
    if (boot == null) {
      return null;
    }
    JsonInput.onlyFields(boot, "boot.", BOOT_FIELDS);
    return new BootSpec(JsonInput.string(boot, "boot.", "kernel", true),
        JsonInput.string(boot, "boot.", "initrd", false), JsonInput.string(boot, "boot.", "cmdline", false));
  }

  void start(RoutingContext ctx) {
    ObjectNode body = JsonInput.object(ctx.body().buffer(), false);
    boolean paused = false;
    if (body != null) {
      JsonInput.onlyFields(body, "", Set.of("paused"));
      Boolean p = JsonInput.bool(body, "", "paused", false);
      paused = p != null && p;
    }
    submit(ctx, new Operation.Start(paused), ctx.pathParam("domain"), body, Set.of(TIMEOUT_MS));
  }

  void lifecycle(RoutingContext ctx, Operation.Lifecycle.Kind kind) {
    ObjectNode body = JsonInput.object(ctx.body().buffer(), false);
    if (body != null) {
      JsonInput.onlyFields(body, "", Set.of());
    }
    submit(ctx, new Operation.Lifecycle(kind), ctx.pathParam("domain"), body, Set.of(TIMEOUT_MS));
  }

  void undefine(RoutingContext ctx) {
    Params.only(ctx, Set.of(TIMEOUT_MS, "force", "snapshotsMetadata", "removeStorage"));
    Operation op = new Operation.Undefine(Params.flag(ctx, "force"), Params.flag(ctx, "snapshotsMetadata"),
        Params.flag(ctx, "removeStorage"));
    submit(ctx, op, ctx.pathParam("domain"), null,
        Set.of(TIMEOUT_MS, "force", "snapshotsMetadata", "removeStorage"));
  }

  void createSnapshot(RoutingContext ctx) {
    ObjectNode body = JsonInput.object(ctx.body().buffer(), true);
    JsonInput.onlyFields(body, "", SNAPSHOT_FIELDS);
    String name = JsonInput.string(body, "", "name", true);
    SnapshotKind kind = JsonInput.constant(body, "", "kind", SnapshotKind.class, true);
    String description = JsonInput.string(body, "", "description", false);
    boolean quiesce = Boolean.TRUE.equals(JsonInput.bool(body, "", "quiesce", false));
    boolean memory = Boolean.TRUE.equals(JsonInput.bool(body, "", "memory", false));
    submit(ctx, new Operation.CreateSnapshot(new SnapshotSpec(name, kind, description, quiesce, memory)),
        ctx.pathParam("domain"), body, Set.of(TIMEOUT_MS));
  }

  void revertSnapshot(RoutingContext ctx) {
    ObjectNode body = JsonInput.object(ctx.body().buffer(), false);
    RevertStart start = RevertStart.KEEP;
    boolean force = false;
    if (body != null) {
      JsonInput.onlyFields(body, "", Set.of("start", "force"));
      RevertStart s = JsonInput.constant(body, "", "start", RevertStart.class, false);
      start = s == null ? RevertStart.KEEP : s;
      force = Boolean.TRUE.equals(JsonInput.bool(body, "", "force", false));
    }
    submit(ctx, new Operation.RevertSnapshot(ctx.pathParam("name"), start, force), ctx.pathParam("domain"), body,
        Set.of(TIMEOUT_MS));
  }

  void deleteSnapshot(RoutingContext ctx) {
    Params.only(ctx, DELETE_SNAPSHOT_PARAMS);
    Operation op = new Operation.DeleteSnapshot(ctx.pathParam("name"), Params.flag(ctx, "children"),
        Params.flag(ctx, "childrenOnly"), Params.flag(ctx, "metadataOnly"));
    submit(ctx, op, ctx.pathParam("domain"), null, DELETE_SNAPSHOT_PARAMS);
  }

  void reconcileSnapshots(RoutingContext ctx) {
    ObjectNode body = JsonInput.object(ctx.body().buffer(), false);
    if (body != null) {
      JsonInput.onlyFields(body, "", Set.of());
    }
    submit(ctx, new Operation.ReconcileSnapshots(), ctx.pathParam("domain"), body, Set.of(TIMEOUT_MS));
  }

  void cancel(RoutingContext ctx) {
    String target = ctx.pathParam("id");
    if (!DomainRef.isUuid(target)) {
      throw ApiError.badParameter("id", "'" + target + "' is not a command id (a UUID)");
    }
    ObjectNode body = JsonInput.object(ctx.body().buffer(), false);
    if (body != null) {
      JsonInput.onlyFields(body, "", Set.of());
    }
    submit(ctx, new Operation.Cancel(DomainRef.canonicalId(target)), null, body, Set.of(TIMEOUT_MS));
  }

  private void submit(RoutingContext ctx, Operation op, String domainRef, ObjectNode body, Set<String> params) {
    submit(ctx, op, domainRef, body, params, null);
  }

  private void submit(RoutingContext ctx, Operation op, String domainRef, ObjectNode body, Set<String> params,
      String project) {
    ctx.put(Guard.AUDIT_ACTION, AuditEntry.action(op.name()));
    if (op instanceof Operation.Define d) {
      ctx.put(Guard.AUDIT_TARGET, d.spec().name());
    } else if (op instanceof Operation.Cancel c) {
      ctx.put(Guard.AUDIT_TARGET, c.targetCommandId());
    }
    Params.only(ctx, params);
    // The range is the command path's rule (CommandService), the same for every door.
    Long timeoutMs = Params.number(ctx, TIMEOUT_MS, Long.MIN_VALUE, Long.MAX_VALUE);
    String key = idempotencyKey(ctx);
    String hash = RequestFingerprint.of(ctx.request().method().name(), ctx.request().path(), Params.sorted(ctx),
        JsonInput.canonical(body));
    Submission s = new Submission(Guard.principal(ctx), op, domainRef, key, hash,
        timeoutMs == null ? null : Duration.ofMillis(timeoutMs), null, project);
    service.submit(s).onComplete(ar -> {
      if (ctx.response().headWritten() || ctx.response().closed()) {
        // Answered already (the request's time limit) or the client went.
        return;
      }
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Accepted a = ar.result();
      ctx.put(Guard.AUDIT_COMMAND, a.commandId());
      ctx.put(Guard.AUDIT_PROJECT, state.projectOf(a.domainId()));
      ctx.response().setStatusCode(202)
          .putHeader("Content-Type", "application/json")
          .putHeader("Location", "/v1/commands/" + a.commandId());
      if (a.replayed()) {
        ctx.response().putHeader(REPLAYED, "true");
      }
      ctx.response().end(Renderings.accepted(a).encode());
    });
  }

  private static String idempotencyKey(RoutingContext ctx) {
    List<String> all = ctx.request().headers().getAll(IDEMPOTENCY_KEY);
    if (all.isEmpty()) {
      return null;
    }
    if (all.size() > 1) {
      throw ApiError.badParameter(IDEMPOTENCY_KEY, "given more than once");
    }
    String key = all.get(0);
    if (key.isEmpty() || key.length() > KEY_MAX || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw ApiError.badParameter(IDEMPOTENCY_KEY, "must be 1 to " + KEY_MAX + " visible ASCII characters");
    }
    return key;
  }
}
