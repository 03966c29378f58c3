package io.virtflow.platform.vertx;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The tail of every {@code Main}: start a service on a fresh Vert.x, stop it cleanly on SIGTERM/Ctrl-C,
 * and exit non-zero when it cannot start.
 */
public final class ServiceRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

  /** Something that was started and can be stopped. */
  public interface Stoppable {
    Future<Void> stop();
  }

  private ServiceRunner() {
  }

  public static <S extends Stoppable> void run(String name, Function<Vertx, Future<S>> starter) {
    io.virtflow.schema.AvroCodec.trustContract();
    Vertx vertx = Vertx.vertx();
    S service;
    try {
      service = starter.apply(vertx).await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("{} failed to start: {}", name, e.getMessage(), e);
      vertx.close();
      System.exit(1);
      return;
    }
    LOG.info("{} started", name);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("{} stopping", name);
      try {
        service.stop().await(30, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("{}: unclean stop: {}", name, e.toString());
      }
      stopped.countDown();
    }, name + "-shutdown"));
  }
}
