package io.virtflow.platform.health;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.virtflow.platform.metrics.Metrics;

/**
 * A bare {@code GET /health} and {@code GET /metrics} (Prometheus, {@link Metrics#process()}) endpoint for
 * services that have no HTTP API of their own.
 */
public final class HealthServer {
  private HealthServer() {
  }

  public static Future<HttpServer> start(Vertx vertx, Health health, String host, int port) {
    return vertx.createHttpServer().requestHandler(req -> {
      if ("/metrics".equals(req.path())) {
        Metrics.process().respond(req.response());
        return;
      }
      if (!"/health".equals(req.path())) {
        req.response().setStatusCode(404).end();
        return;
      }
      req.response().setStatusCode(health.isUp() ? 200 : 503)
          .putHeader("content-type", "application/json").end(health.report().encode());
    }).listen(port, host);
  }
}
