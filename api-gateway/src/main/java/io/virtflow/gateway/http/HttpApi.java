package io.virtflow.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.virtflow.gateway.auth.TokenVerifier;
import io.virtflow.gateway.command.AuditLog;
import io.virtflow.gateway.command.CommandService;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Permission;
import io.virtflow.gateway.kafka.BusView;
import io.virtflow.gateway.kafka.EventReaders;
import io.virtflow.platform.health.Health;

/** The routes of DESIGN §5 handled by this gateway, with their failure handling. */
public final class HttpApi {
  private final Router router;
  private final EventStreams events;

  /** What the routes need; all of it lives on the gateway verticle's context. */
  public record Parts(Vertx vertx, Context context, GatewayState state, CommandService commands, EventReaders eventReaders,
      Health health, long maxBodyBytes, Duration maxWait, int maxEventStreams, Duration eventHeartbeat,
      TokenVerifier verifier, AuditLog audit, int rateLimitPerSec, Duration requestTimeout,
      Duration eventMaxStall, int eventTailRecords, BusView bus) {
  }

  public HttpApi(Parts p) {
    this.events = new EventStreams(p.vertx(), p.context(), p.eventReaders(), p.maxEventStreams(), p.eventHeartbeat(),
        p.state()::projectOf, p.eventMaxStall(), p.eventTailRecords());
    CommandRoutes commands = new CommandRoutes(p.commands(), p.state());
    ConsoleRoute serialConsole = new ConsoleRoute(p.vertx(), p.commands(), p.state(), p.maxWait());
    QueryRoutes queries = new QueryRoutes(p.vertx(), p.state(), p.maxWait(), p.health(), p.bus());
    ConsoleAssets console = new ConsoleAssets();
    Guard guard = new Guard(p.vertx(), p.state().clock(), p.verifier(), p.rateLimitPerSec(), p.audit(),
        p.requestTimeout(), p.maxWait());
    Router r = Router.router(p.vertx());
    // Health needs no token (orchestrators probe it); everything under /v1 does.
    r.get("/health").handler(queries::health);
    // This API's contract (src/main/resources/openapi.yaml, checked against these routes by OpenApiRoutesTest).
    Buffer contract = resource("/openapi.yaml");
    r.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(contract));
    // The ops console's page needs none either: it holds no data, and asks /v1 with the token it is given.
    r.get("/").handler(console::index);
    r.get("/console/:file").handler(console::file);
    // Authentication (and the audit record, time limit, rate limit) before the body is read: a request
    // without a valid token never gets its body buffered.
    r.route("/v1/*").handler(guard::handle);
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

    r.get("/metrics").handler(ctx -> io.virtflow.platform.metrics.Metrics.process().respond(ctx.response()));
    Handler<RoutingContext> read = Guard.require(Permission.READ, "read");
    Handler<RoutingContext> operate = Guard.require(Permission.OPERATE, "send commands");
    r.get("/v1/schemas").handler(read).handler(queries::schemas);
    r.post("/v1/domains").handler(operate).handler(guard(commands::define));
    r.get("/v1/domains").handler(read).handler(guard(queries::domains));
    r.get("/v1/domains/:domain").handler(read).handler(guard(queries::domain));
    r.delete("/v1/domains/:domain").handler(operate).handler(guard(commands::undefine));
    r.post("/v1/domains/:domain/start").handler(operate).handler(guard(commands::start));
    for (Operation.Lifecycle.Kind kind : Operation.Lifecycle.Kind.values()) {
      r.post("/v1/domains/:domain/" + kind.action()).handler(operate)
          .handler(guard(ctx -> commands.lifecycle(ctx, kind)));
    }
    r.get("/v1/domains/:domain/console").handler(read).handler(guard(serialConsole::handle));
    r.post("/v1/domains/:domain/snapshots").handler(operate).handler(guard(commands::createSnapshot));
    r.get("/v1/domains/:domain/snapshots").handler(read).handler(guard(queries::snapshots));
    // Registered before the ":name" routes; "reconcile" stays a valid snapshot name for GET and DELETE.
    r.post("/v1/domains/:domain/snapshots/reconcile").handler(operate).handler(guard(commands::reconcileSnapshots));
    r.get("/v1/domains/:domain/snapshots/:name").handler(read).handler(guard(queries::snapshot));
    r.delete("/v1/domains/:domain/snapshots/:name").handler(operate).handler(guard(commands::deleteSnapshot));
    r.post("/v1/domains/:domain/snapshots/:name/revert").handler(operate).handler(guard(commands::revertSnapshot));
    r.get("/v1/commands").handler(read).handler(guard(queries::commands));
    r.get("/v1/commands/:id").handler(read).handler(guard(queries::command));
    r.post("/v1/commands/:id/cancel").handler(operate).handler(guard(commands::cancel));
    // Every role lists hosts; only HOST_DETAILS sees the drivers' facts and messages (QueryRoutes.hosts).
    r.get("/v1/hosts").handler(read).handler(guard(queries::hosts));
    r.get("/v1/bus").handler(Guard.require(Permission.READ_BUS, "read the bus")).handler(guard(queries::bus));
    r.get("/v1/events").handler(read).handler(guard(events::handle));

    r.route().failureHandler(Problems::handleFailure);
    r.errorHandler(404, ctx -> Problems.send(ctx, 404, FailureCode.INVALID_ARG, null,
        "no such resource: " + ctx.request().method() + " " + ctx.request().path()));
    r.errorHandler(405, ctx -> Problems.send(ctx, 405, FailureCode.INVALID_ARG, null,
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    this.router = r;
  }

  public Router router() {
    return router;
  }

  public int openEventStreams() {
    return events.openCount();
  }

  /** Event streams with a Kafka reader of their own (the others share the gateway's one tail). */
  public int privateEventReaders() {
    return events.privateReaders();
  }

  public boolean eventTailReading() {
    return events.tailReading();
  }

  public Future<Void> closeEventStreams() {
    return events.closeAll();
  }

  /** A file of the class path, read once when the routes are built (a missing one fails the gateway's start). */
  private static Buffer resource(String name) {
    try (InputStream in = HttpApi.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the class path");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
