package io.virtflow.gateway.http;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.CommandTrack;
import io.virtflow.gateway.domain.DomainRules;
import io.virtflow.gateway.domain.Permission;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.DomainDirectory;
import io.virtflow.gateway.domain.DomainRef;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.PendingDefines;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Refusal;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotRules;
import io.virtflow.gateway.kafka.BusView;
import io.virtflow.platform.health.Health;
import io.virtflow.schema.SchemaSet;

/**
 * The reads: domains, snapshot trees, hosts, commands (one with long poll, or the recent ones), the bus, the
 * schema set, health.
 */
final class QueryRoutes {
  /** The largest page of {@code GET /v1/domains?limit=}. */
  static final long MAX_PAGE = 1_000;
  /** {@code GET /v1/commands?limit=}: its default and its largest value. */
  static final int COMMANDS_DEFAULT = 50;
  static final long COMMANDS_MAX = 500;
  private final Vertx vertx;
  private final GatewayState state;
  private final Duration maxWait;
  private final Health health;
  private final BusView bus;
  private final String schemas;

  QueryRoutes(Vertx vertx, GatewayState state, Duration maxWait, Health health, BusView bus) {
    this.vertx = vertx;
    this.state = state;
    this.maxWait = maxWait;
    this.health = health;
    this.bus = bus;
    JsonObject files = new JsonObject();
    SchemaSet.files().forEach(files::put);
    // Every message type with the fingerprint its records carry: a consumer in any language matches the
    // 10-byte single-object header (C3 01 + CRC-64-AVRO, little-endian) and decodes the rest with the schema.
    JsonObject messages = new JsonObject();
    SchemaSet.messages().forEach((name, schema) -> {
      long fp = org.apache.avro.SchemaNormalization.parsingFingerprint64(schema);
      StringBuilder header = new StringBuilder("c301");
      for (int i = 0; i < 8; i++) {
        header.append(String.format("%02x", (fp >>> (8 * i)) & 0xff));
      }
      messages.put(name, new JsonObject().put("fingerprint", String.format("%016x", fp))
          .put("header", header.toString()).put("schema", new JsonObject(schema.toString())));
    });
    files.put("messages", messages);
    this.schemas = files.encode();
  }

  /**
   * {@code GET /v1/domains}: every domain the principal sees, by name then id, or with {@code limit} a page
   * of them and, when more follow, {@code next}: the {@code after} of the next page. Defines accepted and
   * not yet reported by their host are listed too ({@code "pending": true}). Pages walk the sorted
   * projection from the cursor: a page costs its own size, not the number of domains.
   */
  void domains(RoutingContext ctx) {
    Params.only(ctx, Set.of("limit", "after"));
    Principal who = Guard.principal(ctx);
    Long limitParam = Params.number(ctx, "limit", 1, MAX_PAGE);
    String afterParam = Params.string(ctx, "after");
    DomainDirectory.ListKey after = afterParam == null ? null : PageCursor.decode(afterParam)
        .orElseThrow(() -> ApiError.badParameter("after", "'" + afterParam
            + "' is not a page cursor of this list (use the 'next' of the previous page)"));
    long limit = limitParam == null ? Long.MAX_VALUE : limitParam;

    // Accepted defines the projection does not show yet: few, merged in order.
    TreeMap<DomainDirectory.ListKey, JsonObject> pending = new TreeMap<>();
    for (PendingDefines.Pending p : state.pending().all()) {
      String project = state.projectOf(p.domainId());
      DomainDirectory.ListKey key = new DomainDirectory.ListKey(p.name(), p.domainId());
      if (p.acknowledged() && !state.domains().contains(p.domainId()) && who.sees(project)
          && (after == null || key.compareTo(after) > 0)) {
        pending.put(key, Renderings.pendingDomain(p).put("project", project));
      }
    }
    JsonArray out = new JsonArray();
    DomainDirectory.ListKey last = null;
    boolean more = false;
    Iterator<DomainView> listed = state.domains().after(after).iterator();
    DomainView nextListed = nextVisible(listed, who);
    while (nextListed != null || !pending.isEmpty()) {
      DomainDirectory.ListKey listedKey = nextListed == null ? null : DomainDirectory.ListKey.of(nextListed);
      boolean takePending = listedKey == null || (!pending.isEmpty() && pending.firstKey().compareTo(listedKey) < 0);
      if (out.size() == limit) {
        more = true;
        break;
      }
      if (takePending) {
        Map.Entry<DomainDirectory.ListKey, JsonObject> p = pending.pollFirstEntry();
        out.add(p.getValue());
        last = p.getKey();
      } else {
        String project = state.projectOf(nextListed.domainId());
        out.add(Renderings.domain(nextListed, state.snapshots().count(nextListed.domainId())).put("project", project));
        last = listedKey;
        nextListed = nextVisible(listed, who);
      }
    }
    JsonObject page = new JsonObject().put("domains", out);
    if (more) {
      page.put("next", PageCursor.encode(last));
    }
    json(ctx, page);
  }

  private DomainView nextVisible(Iterator<DomainView> it, Principal who) {
    while (it.hasNext()) {
      DomainView d = it.next();
      if (who.sees(state.projectOf(d.domainId()))) {
        return d;
      }
    }
    return null;
  }

  void domain(RoutingContext ctx) {
    Params.only(ctx, Set.of());
    String ref = ctx.pathParam("domain");
    Principal who = Guard.principal(ctx);
    // Another project's domain answers exactly as a missing one.
    Optional<DomainView> known = state.domains().find(ref).filter(d -> who.sees(state.projectOf(d.domainId())));
    if (known.isPresent()) {
      json(ctx, Renderings.domain(known.get(), state.snapshots().count(known.get().domainId()))
          .put("project", state.projectOf(known.get().domainId())));
      return;
    }
    if (state.domains().find(ref).isPresent()) {
      throw Refusal.noDomain(ref);
    }
    Optional<PendingDefines.Pending> pending = (DomainRef.isUuid(ref)
        ? state.pending().byDomainId(DomainRef.canonicalId(ref)) : state.pending().byName(ref))
        .filter(p -> who.sees(state.projectOf(p.domainId())));
    PendingDefines.Pending p = pending.orElseThrow(() -> Refusal.noDomain(ref));
    json(ctx, Renderings.pendingDomain(p).put("project", state.projectOf(p.domainId())));
  }

  /** The domain's snapshot tree: every snapshot with its parent and children, the current one, any workflow under way. */
  void snapshots(RoutingContext ctx) {
    Params.only(ctx, Set.of());
    GatewayState.Target target = target(ctx);
    json(ctx, Renderings.snapshotTree(target, state.snapshots().entry(target.domainId())));
  }

  void snapshot(RoutingContext ctx) {
    Params.only(ctx, Set.of());
    GatewayState.Target target = target(ctx);
    SnapshotCatalogView catalog = state.snapshots().catalog(target.domainId());
    SnapshotCatalogView.SnapshotView s = SnapshotRules.requireSnapshot(target.name(), catalog, ctx.pathParam("name"));
    json(ctx, Renderings.snapshot(s, catalog));
  }

  private GatewayState.Target target(RoutingContext ctx) {
    String ref = ctx.pathParam("domain");
    Principal who = Guard.principal(ctx);
    return state.resolve(ref).filter(t -> who.sees(state.projectOf(t.domainId())))
        .orElseThrow(() -> Refusal.noDomain(ref));
  }

  /**
   * Every host, for every role: the fleet's state is what an operator places domains on. Only a role with
   * {@link Permission#HOST_DETAILS} also gets each driver's facts and message (URIs, paths, errors).
   */
  void hosts(RoutingContext ctx) {
    Params.only(ctx, Set.of());
    boolean details = Guard.principal(ctx).may(Permission.HOST_DETAILS);
    java.time.Instant now = state.clock().instant();
    JsonArray out = new JsonArray();
    for (HostView h : state.hosts().all()) {
      out.add(Renderings.host(h, state.hostUp(h), state.reservedMiB(h), now, details));
    }
    json(ctx, new JsonObject().put("hosts", out));
  }

  /**
   * {@code GET /v1/commands?limit=&status=&domain=}: the commands of the principal's projects' domains, the
   * one that began last first. {@code status} is one or more statuses joined by ',' ({@code ACCEPTED,RUNNING}:
   * those not ended); {@code domain} an id or the name of a domain known now. A page walks the book from its
   * newest end: without filters it costs its own size.
   */
  void commands(RoutingContext ctx) {
    Params.only(ctx, Set.of("limit", "status", "domain"));
    Principal who = Guard.principal(ctx);
    Long limitParam = Params.number(ctx, "limit", 1, COMMANDS_MAX);
    int limit = limitParam == null ? COMMANDS_DEFAULT : limitParam.intValue();
    Set<Phase> statuses = phases(Params.string(ctx, "status"));
    String domainParam = Params.string(ctx, "domain");
    String domainId = domainParam == null ? null : domainIdOf(domainParam);
    JsonArray out = new JsonArray();
    // A name that names no domain now matches nothing (as an id of no command does).
    if (domainParam == null || domainId != null) {
      for (CommandTrack t : state.commands().newestFirst()) {
        if (out.size() == limit) {
          break;
        }
        if ((statuses.isEmpty() || statuses.contains(t.phase()))
            && (domainId == null || domainId.equals(t.domainId())) && who.sees(state.projectOf(t))) {
          out.add(Renderings.commandListed(t, nameOf(t.domainId())));
        }
      }
    }
    json(ctx, new JsonObject().put("commands", out).put("now", state.clock().instant().toString()));
  }

  private static Set<Phase> phases(String param) {
    Set<Phase> out = java.util.EnumSet.noneOf(Phase.class);
    if (param == null) {
      return out;
    }
    for (String s : param.split(",", -1)) {
      try {
        out.add(Phase.valueOf(s.trim()));
      } catch (IllegalArgumentException e) {
        throw ApiError.badParameter("status", "'" + s + "' is not a command status (one of "
            + java.util.Arrays.toString(Phase.values()) + ")");
      }
    }
    return out;
  }

  /** The id a {@code domain} parameter names: a UUID as given, a name by the domain that has it now (or null). */
  private String domainIdOf(String ref) {
    if (DomainRef.isUuid(ref)) {
      return DomainRef.canonicalId(ref);
    }
    DomainRules.nameProblem(ref).ifPresent(p -> {
      throw ApiError.badParameter("domain", "'" + ref + "' is neither a domain id nor a domain name: " + p);
    });
    return state.resolve(ref).map(GatewayState.Target::domainId).orElse(null);
  }

  /** The name of a domain known now (or still pending), else null. */
  private String nameOf(String domainId) {
    if (domainId == null) {
      return null;
    }
    return state.domains().byId(domainId).map(DomainView::name)
        .or(() -> state.pending().byDomainId(domainId).map(PendingDefines.Pending::name)).orElse(null);
  }

  /** {@code GET /v1/bus} (admin): read on the bus view's own worker, never here; at most {@link BusView#MAX_AGE} old. */
  void bus(RoutingContext ctx) {
    Params.only(ctx, Set.of());
    bus.report().onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        json(ctx, Renderings.bus(ar.result()));
      }
    });
  }

  /** The command's status; with {@code waitMs}, answers as soon as it is terminal or when the wait is over. */
  void command(RoutingContext ctx) {
    Params.only(ctx, Set.of("waitMs"));
    String id = ctx.pathParam("id");
    if (!DomainRef.isUuid(id)) {
      throw ApiError.badParameter("id", "'" + id + "' is not a command id (a UUID)");
    }
    Long waitMs = Params.number(ctx, "waitMs", 0, Long.MAX_VALUE);
    long wait = waitMs == null ? 0 : Math.min(waitMs, maxWait.toMillis());
    Principal who = Guard.principal(ctx);
    CommandTrack track = state.commands().find(DomainRef.canonicalId(id))
        .filter(t -> who.sees(state.projectOf(t)))
        .orElseThrow(() -> Refusal.unknownCommand(id));
    if (state.ended(track) || wait == 0) {
      json(ctx, Renderings.command(track));
      return;
    }
    // Long poll: nothing blocks; whichever comes first, the end (for a snapshot command: its terminal status
    // and its catalog event) or the timer, answers.
    long[] timer = new long[1];
    Runnable unwatch = state.onTerminal(track.commandId(), t -> {
      vertx.cancelTimer(timer[0]);
      json(ctx, Renderings.command(t));
    });
    timer[0] = vertx.setTimer(wait, t -> {
      unwatch.run();
      json(ctx, Renderings.command(track));
    });
    ctx.response().closeHandler(v -> {
      vertx.cancelTimer(timer[0]);
      unwatch.run();
    });
  }

  void schemas(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").end(schemas);
  }

  void health(RoutingContext ctx) {
    ctx.response().setStatusCode(health.isUp() ? 200 : 503).putHeader("Content-Type", "application/json")
        .end(health.report().encode());
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    if (ctx.response().closed() || ctx.response().ended()) {
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}
