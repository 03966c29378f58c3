package io.virtflow.gateway.http;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.virtflow.gateway.command.Accepted;
import io.virtflow.gateway.command.CommandService;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.AuditEntry;
import io.virtflow.gateway.domain.CommandTrack;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.Submission;

/**
 * {@code GET /v1/domains/{domain}/console?tail=N}: the last lines of the domain's serial console log, as
 * {@code text/plain}. A read for the viewer role, but carried out by the domain's host agent: it is a
 * {@code ReadConsole} command on the one command path (project scoping, audit, a status on
 * {@code command.status}), and the answer waits for its terminal status, at most {@link #waitFor}. A
 * SUCCEEDED status answers 200 with its result; any other end is the problem its code maps to
 * ({@link Problems#statusOf(FailureCode)}).
 */
final class ConsoleRoute {
  /** The longest a console read waits for its host, whatever {@code VIRTFLOW_MAX_WAIT_MS} allows. */
  static final Duration MAX_WAIT = Duration.ofSeconds(30);
  private static final Duration MIN_WAIT = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final CommandService service;
  private final GatewayState state;
  private final Duration wait;

  ConsoleRoute(Vertx vertx, CommandService service, GatewayState state, Duration maxWait) {
    this.vertx = vertx;
    this.service = service;
    this.state = state;
    this.wait = waitFor(maxWait, service.defaultDeadline());
  }

  /**
   * How long a console read waits: {@code VIRTFLOW_MAX_WAIT_MS}, at most {@link #MAX_WAIT} and the command
   * deadline, at least 1 s. It is also the command's deadline: a read its host could not start by then never runs.
   */
  static Duration waitFor(Duration maxWait, Duration commandDeadline) {
    Duration w = maxWait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : maxWait;
    w = w.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : w;
    return w.compareTo(commandDeadline) > 0 ? commandDeadline : w;
  }

  void handle(RoutingContext ctx) {
    Params.only(ctx, Set.of("tail"));
    Long tail = Params.number(ctx, "tail", Operation.ReadConsole.TAIL_MIN, Operation.ReadConsole.TAIL_MAX);
    Operation op = new Operation.ReadConsole(tail == null ? Operation.ReadConsole.TAIL_DEFAULT : tail.intValue());
    ctx.put(Guard.AUDIT_ACTION, AuditEntry.action(op.name()));
    Submission s = new Submission(Guard.principal(ctx), op, ctx.pathParam("domain"), null, null, wait);
    service.submit(s).onComplete(ar -> {
      if (gone(ctx)) {
        return;
      }
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Accepted a = ar.result();
      ctx.put(Guard.AUDIT_COMMAND, a.commandId());
      ctx.put(Guard.AUDIT_PROJECT, state.projectOf(a.domainId()));
      awaitEnd(ctx, a.commandId());
    });
  }

  /** Whichever comes first answers: the command's end, or the wait running out; nothing blocks. */
  private void awaitEnd(RoutingContext ctx, String commandId) {
    long[] timer = {-1};
    Runnable unwatch = state.onTerminal(commandId, t -> {
      vertx.cancelTimer(timer[0]);
      answer(ctx, t);
    });
    // The host may have answered before the watcher was in place.
    Optional<CommandTrack> now = state.commands().find(commandId);
    if (now.isPresent() && state.ended(now.get())) {
      unwatch.run();
      answer(ctx, now.get());
      return;
    }
    timer[0] = vertx.setTimer(wait.toMillis(), x -> {
      unwatch.run();
      if (!gone(ctx)) {
        ctx.fail(new ApiError(503, FailureCode.TIMEOUT, null, "the host did not answer within " + wait.toMillis()
            + " ms (command " + commandId + ", /v1/commands/" + commandId
            + "; a read not started by then never runs)"));
      }
    });
    ctx.response().closeHandler(v -> {
      vertx.cancelTimer(timer[0]);
      unwatch.run();
    });
  }

  private static void answer(RoutingContext ctx, CommandTrack t) {
    if (gone(ctx)) {
      return;
    }
    if (t.phase() == Phase.SUCCEEDED) {
      ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").putHeader("Cache-Control", "no-store")
          .end(t.result() == null ? "" : t.result());
      return;
    }
    FailureCode code = codeOf(t);
    String why = t.message() == null ? "no reason given" : t.message();
    Problems.send(ctx, Problems.statusOf(code), code, null, why + " (command " + t.commandId() + " ended "
        + t.phase() + ")");
  }

  /** The code of an unsuccessful end; one without a code is named after how it ended. */
  private static FailureCode codeOf(CommandTrack t) {
    if (t.code() != null) {
      try {
        return FailureCode.valueOf(t.code());
      } catch (IllegalArgumentException e) {
        return FailureCode.INTERNAL;
      }
    }
    return switch (t.phase()) {
      case TIMED_OUT -> FailureCode.TIMEOUT;
      case CANCELLED -> FailureCode.OPERATION_INVALID;
      default -> FailureCode.INTERNAL;
    };
  }

  private static boolean gone(RoutingContext ctx) {
    return ctx.response().headWritten() || ctx.response().closed();
  }
}
