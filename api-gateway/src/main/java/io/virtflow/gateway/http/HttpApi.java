package io.virtflow.gateway.http;

import java.time.Duration;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.virtflow.gateway.command.CommandService;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.kafka.EventReaders;
import io.virtflow.platform.health.Health;

/** The routes of DESIGN §5 handled by this gateway, with their failure handling. */
public final class HttpApi {
  private final Router router;
  private final EventStreams events;

  /** What the routes need; all of it lives on the gateway verticle's context. */
  public record Parts(Vertx vertx, Context context, GatewayState state, CommandService commands, EventReaders eventReaders,
      Health health, long maxBodyBytes, Duration maxWait, int maxEventStreams, Duration eventHeartbeat,
      Duration eventMaxStall) {
  }

  public HttpApi(Parts p) {
    this.events = new EventStreams(p.vertx(), p.context(), p.eventReaders(), p.maxEventStreams(), p.eventHeartbeat(),
        p.eventMaxStall());
    CommandRoutes commands = new CommandRoutes(p.commands());
    QueryRoutes queries = new QueryRoutes(p.vertx(), p.state(), p.maxWait(), p.health());
    Router r = Router.router(p.vertx());
    BodyHandler body = BodyHandler.create(false).setBodyLimit(p.maxBodyBytes());
    // One route for every method: method-specific catch-all routes would turn every unknown path into a 405.
    r.route().handler(ctx -> {
      HttpMethod m = ctx.request().method();
      if (m == HttpMethod.POST || m == HttpMethod.DELETE) {
        body.handle(ctx);
      } else {
        ctx.next();
      }
    });

    r.get("/health").handler(queries::health);
    r.get("/metrics").handler(ctx -> io.virtflow.platform.metrics.Metrics.process().respond(ctx.response()));
    r.get("/v1/schemas").handler(queries::schemas);
    r.post("/v1/domains").handler(guard(commands::define));
    r.get("/v1/domains").handler(guard(queries::domains));
    r.get("/v1/domains/:domain").handler(guard(queries::domain));
    r.delete("/v1/domains/:domain").handler(guard(commands::undefine));
    r.post("/v1/domains/:domain/start").handler(guard(commands::start));
    for (Operation.Lifecycle.Kind kind : Operation.Lifecycle.Kind.values()) {
      r.post("/v1/domains/:domain/" + kind.action()).handler(guard(ctx -> commands.lifecycle(ctx, kind)));
    }
    r.post("/v1/domains/:domain/snapshots").handler(guard(commands::createSnapshot));
    r.get("/v1/domains/:domain/snapshots").handler(guard(queries::snapshots));
    // Registered before the ":name" routes; "reconcile" stays a valid snapshot name for GET and DELETE.
    r.post("/v1/domains/:domain/snapshots/reconcile").handler(guard(commands::reconcileSnapshots));
    r.get("/v1/domains/:domain/snapshots/:name").handler(guard(queries::snapshot));
    r.delete("/v1/domains/:domain/snapshots/:name").handler(guard(commands::deleteSnapshot));
    r.post("/v1/domains/:domain/snapshots/:name/revert").handler(guard(commands::revertSnapshot));
    r.get("/v1/commands/:id").handler(guard(queries::command));
    r.post("/v1/commands/:id/cancel").handler(guard(commands::cancel));
    r.get("/v1/hosts").handler(guard(queries::hosts));
    r.get("/v1/events").handler(guard(events::handle));

    r.route().failureHandler(Problems::handleFailure);
    r.errorHandler(404, ctx -> Problems.send(ctx.response(), 404, FailureCode.INVALID_ARG, null,
        "no such resource: " + ctx.request().method() + " " + ctx.request().path()));
    r.errorHandler(405, ctx -> Problems.send(ctx.response(), 405, FailureCode.INVALID_ARG, null,
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    this.router = r;
  }

  public Router router() {
    return router;
  }

  public int openEventStreams() {
    return events.openCount();
  }

  public Future<Void> closeEventStreams() {
    return events.closeAll();
  }

  /** Turns anything a handler throws into the route's failure, so that it becomes a problem document. */
  private static Handler<RoutingContext> guard(Handler<RoutingContext> handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (RuntimeException e) {
        ctx.fail(e);
      }
    };
  }
}
