package io.virtflow.gateway.http;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.virtflow.gateway.command.BusUnavailable;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Refusal;

/**
 * Errors as RFC 9457 {@code application/problem+json}: {@code type}, {@code title}, {@code status},
 * {@code detail}, plus {@code code} (a DESIGN §4 failure code) and, when one input is at fault,
 * {@code field}. Every failure of a route ends here; anything unexpected is a 500 INTERNAL whose cause
 * is logged, not shown.
 */
public final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  public static final String CONTENT_TYPE = "application/problem+json";

  private static final Map<Integer, String> TITLES = Map.ofEntries(
      Map.entry(400, "Invalid request"),
      Map.entry(401, "Authentication required"),
      Map.entry(403, "Access denied"),
      Map.entry(404, "Not found"),
      Map.entry(405, "Method not allowed"),
      Map.entry(409, "Conflict with the current state"),
      Map.entry(413, "Request body too large"),
      Map.entry(414, "Request line too long"),
      Map.entry(431, "Request headers too large"),
      Map.entry(422, "Idempotency key reused for a different request"),
      Map.entry(429, "Too many requests"),
      Map.entry(500, "Internal error"),
      Map.entry(502, "The hypervisor failed"),
      Map.entry(503, "Service unavailable"));

  private Problems() {
  }

  public static void send(HttpServerResponse response, int status, FailureCode code, String field, String detail) {
    if (response.headWritten() || response.closed()) {
      return;
    }
    JsonObject body = new JsonObject()
        .put("type", "urn:virtflow:error:" + code.name())
        .put("title", TITLES.getOrDefault(status, "Error"))
        .put("status", status)
        .put("detail", detail)
        .put("code", code.name());
    if (field != null) {
      body.put("field", field);
    }
    response.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(body.encode());
  }

  /**
   * The server's answer to a request its HTTP decoder refused (a request line or headers over the limits, a
   * malformed request): the same status as Vert.x's default ({@code 414}, {@code 431}, else {@code 400}), as a
   * problem with {@code INVALID_ARG}, then the connection is closed.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String detail;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      status = 414;
      detail = "the request line is too long";
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      status = 431;
      detail = "the request headers are too large";
    } else {
      status = 400;
      detail = "the request is not valid HTTP";
    }
    request.response().putHeader("Connection", "close");
    send(request.response(), status, FailureCode.INVALID_ARG, null, detail);
    request.connection().close();
  }

  /** Sends the problem and notes its code and detail for the request's audit record. */
  public static void send(RoutingContext ctx, int status, FailureCode code, String field, String detail) {
    if (ctx.response().headWritten() || ctx.response().closed()) {
      return;
    }
    ctx.put(Guard.AUDIT_CODE, code);
    ctx.put(Guard.AUDIT_MESSAGE, detail);
    if (status == 401 && ctx.response().headers().get("WWW-Authenticate") == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"virtflow\"");
    }
    send(ctx.response(), status, code, field, detail);
  }

  /** The failure handler of every route. */
  public static void handleFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof Refusal r) {
      send(ctx, statusOf(r.kind()), r.code(), r.field(), r.getMessage());
    } else if (failure instanceof ApiError e) {
      send(ctx, e.status(), e.code(), e.field(), e.getMessage());
    } else if (failure instanceof BusUnavailable e) {
      send(ctx, 503, FailureCode.INTERNAL, null, e.getMessage());
    } else if (failure == null && ctx.statusCode() == 413) {
      send(ctx, 413, FailureCode.INVALID_ARG, null, "the request body exceeds the limit of this gateway");
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      send(ctx, ctx.statusCode(), FailureCode.INVALID_ARG, null, "the request cannot be read");
    } else {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      send(ctx, 500, FailureCode.INTERNAL, null, "internal error; the gateway log has the details");
    }
  }

  /**
   * The HTTP status of a failure code a host agent (or the snapshot service) answered with, as the
   * gateway's own refusals of that code have it: {@code NO_*} 404, {@code OPERATION_INVALID},
   * {@code OPERATION_UNSUPPORTED}, {@code SNAPSHOT_UNSAFE} and {@code BUSY} 409, {@code HOST_UNAVAILABLE} and
   * {@code TIMEOUT} 503, {@code INTERNAL} 500; {@code DRIVER_ERROR} (the hypervisor behind the agent failed) 502.
   */
  static int statusOf(FailureCode code) {
    return switch (code) {
      case INVALID_ARG -> 400;
      case AUTH_FAILED -> 401;
      case ACCESS_DENIED -> 403;
      case NO_DOMAIN, NO_HOST, NO_SNAPSHOT -> 404;
      case OPERATION_INVALID, OPERATION_UNSUPPORTED, SNAPSHOT_UNSAFE, BUSY -> 409;
      case RATE_LIMITED -> 429;
      case INTERNAL -> 500;
      case DRIVER_ERROR -> 502;
      case HOST_UNAVAILABLE, TIMEOUT -> 503;
    };
  }

  static int statusOf(Refusal.Kind kind) {
    return switch (kind) {
      case INVALID -> 400;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case KEY_REUSED -> 422;
      case UNAVAILABLE -> 503;
      case FORBIDDEN -> 403;
      case UNAUTHENTICATED -> 401;
    };
  }
}
