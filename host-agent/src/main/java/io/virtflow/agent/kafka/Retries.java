package io.virtflow.agent.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.agent.store.CommandRef;

/**
 * Runs a command's step until it succeeds: a failure (Kafka unreachable, a journal write refused) is retried
 * with a capped backoff while the agent runs. Once it stops, the failure goes to the consumer, which leaves
 * the record uncommitted for the next start. Every step starts from what the journal says, so a retry is safe.
 */
final class Retries {
  private static final Logger LOG = LoggerFactory.getLogger(Retries.class);
  private static final long MAX_RETRY_BACKOFF_MS = 5_000;

  private final String hostId;
  private final Vertx vertx;
  private final BooleanSupplier stopping;
  /** Commands being retried after a failed step, and why; read by the health check from any thread. */
  private final Map<String, String> failing = new ConcurrentHashMap<>();

  /** {@code stopping}: the agent takes no more commands (a clean stop, a crash, a fence): give up. */
  Retries(String hostId, Vertx vertx, BooleanSupplier stopping) {
    this.hostId = hostId;
    this.vertx = vertx;
    this.stopping = stopping;
  }

  Future<Void> untilDone(CommandRef ref, Supplier<Future<Void>> step) {
    return untilDone(ref, step, 0);
  }

  private Future<Void> untilDone(CommandRef ref, Supplier<Future<Void>> step, int attempt) {
    return safely(step).transform(ar -> {
      if (ar.succeeded()) {
        failing.remove(ref.commandId());
        return Future.succeededFuture();
      }
      if (stopping.getAsBoolean()) {
        failing.remove(ref.commandId());
        return Future.failedFuture(ar.cause());
      }
      long delay = Math.min(MAX_RETRY_BACKOFF_MS, 100L << Math.min(attempt, 6));
      failing.put(ref.commandId(), ar.cause().toString());
      LOG.warn("{}: command {} ({}) failed a step (attempt {}), again in {} ms: {}", hostId, ref.commandId(),
          ref.operation(), attempt + 1, delay, ar.cause().toString());
      return vertx.timer(delay).compose(v -> untilDone(ref, step, attempt + 1));
    });
  }

  /** Commands whose last step failed and that are being retried, with the error. */
  Map<String, String> failing() {
    return Map.copyOf(failing);
  }

  private static Future<Void> safely(Supplier<Future<Void>> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
