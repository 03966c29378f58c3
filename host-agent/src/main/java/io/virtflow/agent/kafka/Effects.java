package io.virtflow.agent.kafka;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.agent.driver.DriverGuard;
import io.virtflow.agent.driver.HypervisorException;
import io.virtflow.platform.vertx.Blocking;

/**
 * The ways a command's step reaches outside the agent's context: blocking work on the worker pool, a write to
 * the bus, a driver call or read through the guard. Each is refused with {@link HaltedException} once the
 * agent halted (crashed, or fenced by a newer instance), before it starts and again when its answer comes:
 * a command already in hand when the fence came is dropped, not applied. Runs on the agent's context.
 */
final class Effects {

  /** What a driver call did: a result (a Change, a StepResult, JSON), or a refusal or failure. */
  record Answer<T>(T result, HypervisorException failure) {
  }

  /** Fails every step once the agent halted. */
  static final class HaltedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    HaltedException() {
      super("agent halted", null);
    }
  }

  private final DriverGuard guard;
  private final Context context;
  private final Blocking blocking;
  private final Clock clock;
  private final BooleanSupplier halted;

  Effects(DriverGuard guard, Context context, Blocking blocking, Clock clock, BooleanSupplier halted) {
    this.guard = guard;
    this.context = context;
    this.blocking = blocking;
    this.clock = clock;
    this.halted = halted;
  }

  boolean halted() {
    return halted.getAsBoolean();
  }

  /** The time records and messages carry: the clock's, to the millisecond (as the contract keeps it). */
  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Blocking work on the pool; its result is dropped if the agent halted meanwhile. */
  <T> Future<T> work(Callable<T> task) {
    if (halted()) {
      return Future.failedFuture(new HaltedException());
    }
    return blocking.run(task).compose(r -> halted() ? Future.failedFuture(new HaltedException())
        : Future.succeededFuture(r));
  }

  /** A write to the bus (a status, events, a state), unless the agent halted. */
  Future<Void> send(Supplier<Future<Void>> write) {
    return halted() ? Future.failedFuture(new HaltedException()) : write.get();
  }

  /**
   * A driver call through the guard, whose refusal or failure is an answer, not an error of the agent.
   * Like {@link #work}, its result is dropped if the agent halted meanwhile.
   */
  <T> Future<Answer<T>> call(String what, Supplier<T> call) {
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
  <T> Future<T> read(Supplier<T> call) {
    if (halted()) {
      return Future.failedFuture(new HaltedException());
    }
    return Future.fromCompletionStage(guard.read("lookup", call), context)
        .compose(r -> halted() ? Future.failedFuture(new HaltedException()) : Future.succeededFuture(r));
  }
}
