package io.virtflow.gateway.http;

import java.time.Clock;
import java.time.Duration;

import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import io.virtflow.gateway.auth.TokenVerifier;
import io.virtflow.gateway.command.AuditLog;
import io.virtflow.gateway.domain.AuditEntry;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Permission;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Refusal;

/**
 * What every {@code /v1} request goes through before its route, in this order: its audit record is
 * arranged (written once the answer's head goes out, whatever the answer), its time limit is set, its
 * bearer token is verified (401 otherwise), and its principal's rate limit is taken (429 otherwise).
 * Routes then ask {@link #principal} who it is and {@link #require} a permission (403 otherwise).
 */
final class Guard {
  static final String PRINCIPAL = "virtflow.principal";
  static final String AUDIT_CODE = "virtflow.audit.code";
  static final String AUDIT_MESSAGE = "virtflow.audit.message";
  static final String AUDIT_ACTION = "virtflow.audit.action";
  static final String AUDIT_PROJECT = "virtflow.audit.project";
  static final String AUDIT_COMMAND = "virtflow.audit.command";
  static final String AUDIT_TARGET = "virtflow.audit.target";
  private static final String REALM = "Bearer realm=\"virtflow\"";
  private static final int TEXT_MAX = 500;
  private static final java.util.regex.Pattern CONSOLE = java.util.regex.Pattern.compile("/v1/domains/[^/]+/console");

  private final Vertx vertx;
  private final Clock clock;
  private final TokenVerifier verifier;
  private final RateLimits limits;
  private final AuditLog audit;
  private final Duration requestTimeout;
  private final Duration maxWait;

  Guard(Vertx vertx, Clock clock, TokenVerifier verifier, int ratePerSecond, AuditLog audit, Duration requestTimeout,
      Duration maxWait) {
    this.vertx = vertx;
    this.clock = clock;
    this.verifier = verifier;
    this.limits = new RateLimits(ratePerSecond, RateLimits.MAX_PRINCIPALS);
    this.audit = audit;
    this.requestTimeout = requestTimeout;
    this.maxWait = maxWait;
  }

  void handle(RoutingContext ctx) {
    arrangeAudit(ctx);
    arrangeTimeout(ctx);
    verifier.verifyHeader(ctx.request().getHeader("Authorization")).onComplete(ar -> {
      if (ctx.response().ended() || ctx.response().closed()) {
        return;
      }
      if (ar.failed()) {
        String detail = ar.cause() instanceof Refusal r ? r.getMessage() : "the token is invalid";
        boolean given = ctx.request().getHeader("Authorization") != null;
        ctx.response().putHeader("WWW-Authenticate", given ? REALM + ", error=\"invalid_token\"" : REALM);
        Problems.send(ctx, 401, FailureCode.AUTH_FAILED, null, detail);
        return;
      }
      Principal p = ar.result();
      ctx.put(PRINCIPAL, p);
      if (!limits.tryAcquire(p.name())) {
        ctx.response().putHeader("Retry-After", Long.toString(limits.retryAfterSeconds(p.name())));
        Problems.send(ctx, 429, FailureCode.RATE_LIMITED, null, "'" + p.name() + "' made more than its share of "
            + "requests this second; retry after the time in Retry-After");
        return;
      }
      ctx.next();
    });
  }

  /** The verified principal of a {@code /v1} request. */
  static Principal principal(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException("no principal: the route is not behind the guard");
    }
    return p;
  }

  /** A route handler step that lets the request on only if the principal's role has {@code permission}. */
  static io.vertx.core.Handler<RoutingContext> require(Permission permission, String what) {
    return ctx -> {
      try {
        principal(ctx).require(permission, what);
        ctx.next();
      } catch (Refusal r) {
        ctx.fail(r);
      }
    };
  }

  /**
   * The request's time limit: {@code requestTimeout}; a long poll ({@code GET /v1/commands/{id}?waitMs=})
   * and a console read (which waits for its host) get their wait on top, and an event stream none (it ends
   * when the client or the gateway goes).
   */
  private void arrangeTimeout(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (path.equals("/v1/events")) {
      return;
    }
    long limit = requestTimeout.toMillis();
    boolean get = ctx.request().method() == io.vertx.core.http.HttpMethod.GET;
    if (path.startsWith("/v1/commands/") && get) {
      limit += Math.min(maxWaitOf(ctx.request().getParam("waitMs")), maxWait.toMillis());
    } else if (CONSOLE.matcher(path).matches() && get) {
      limit += ConsoleRoute.MAX_WAIT.toMillis();
    }
    long timer = vertx.setTimer(limit, t -> {
      if (!ctx.response().headWritten() && !ctx.response().closed()) {
        ctx.fail(new ApiError(503, FailureCode.TIMEOUT, null, "the request took longer than this gateway's limit of "
            + requestTimeout.toMillis() + " ms; a command may still have been accepted (see its Idempotency-Key)"));
      }
    });
    ctx.addEndHandler(v -> vertx.cancelTimer(timer));
  }

  private static long maxWaitOf(String waitMs) {
    try {
      return waitMs == null ? 0 : Math.max(0, Long.parseLong(waitMs));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void arrangeAudit(RoutingContext ctx) {
    boolean[] done = new boolean[1];
    ctx.addHeadersEndHandler(v -> {
      done[0] = true;
      audit(ctx, ctx.response().getStatusCode());
    });
    ctx.addEndHandler(v -> {
      if (!done[0]) {
        // The client went before any answer.
        done[0] = true;
        audit(ctx, null);
      }
    });
  }

  private void audit(RoutingContext ctx, Integer status) {
    Principal p = ctx.get(PRINCIPAL);
    String action = ctx.get(AUDIT_ACTION);
    if (action == null) {
      action = cut(ctx.request().method().name() + " " + ctx.request().path());
    }
    String project = ctx.get(AUDIT_PROJECT);
    if (project == null && p != null) {
      project = p.projectsText();
    }
    String target = ctx.get(AUDIT_TARGET);
    if (target == null) {
      target = ctx.pathParam("domain") != null ? ctx.pathParam("domain") : ctx.pathParam("id");
    }
    SocketAddress remote = ctx.request().remoteAddress();
    FailureCode code = ctx.get(AUDIT_CODE);
    audit.record(new AuditEntry(clock.instant(), p == null ? Principal.ANONYMOUS : p.name(), project,
        p == null ? null : p.role().claim(), AuditEntry.HTTP, action, cut(target),
        status == null ? "CLOSED" : AuditEntry.outcomeOf(status), status, code == null ? null : code.name(),
        cut(ctx.get(AUDIT_MESSAGE)), ctx.get(AUDIT_COMMAND), remote == null ? null : remote.hostAddress()));
  }

  private static String cut(String s) {
    return s == null || s.length() <= TEXT_MAX ? s : s.substring(0, TEXT_MAX) + "...";
  }

  static boolean permits(RoutingContext ctx, Permission p) {
    Principal principal = ctx.get(PRINCIPAL);
    return principal != null && principal.may(p);
  }
}
