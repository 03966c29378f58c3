package io.virtflow.platform.vertx;

import java.util.concurrent.Callable;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

/**
 * A named pool for work that must not run on an event loop (driver calls, file I/O, qemu-img).
 * Results come back on the caller's context.
 */
public final class Blocking implements AutoCloseable {
  private final WorkerExecutor executor;

  public Blocking(Vertx vertx, String name, int size) {
    this.executor = vertx.createSharedWorkerExecutor(name, size);
  }

  /** Runs {@code work} on the pool; calls for one key are not ordered (callers serialize per domain). */
  public <T> Future<T> run(Callable<T> work) {
    return executor.executeBlocking(work, false);
  }

  @Override
  public void close() {
    executor.close();
  }
}
