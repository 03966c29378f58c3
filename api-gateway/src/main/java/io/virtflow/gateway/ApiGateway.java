package io.virtflow.gateway;

import java.time.Clock;
import java.util.UUID;
import java.util.function.Supplier;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.vertx.ServiceRunner;

/**
 * The API gateway, started: the HTTP API of DESIGN §5 over the Kafka bus. {@link #start} completes once
 * the projections have caught up and the HTTP server listens; {@link #stop} ends event streams, stops
 * the readers and flushes the producer.
 */
public final class ApiGateway implements ServiceRunner.Stoppable {
  private final Vertx vertx;
  private final String deploymentId;
  private final GatewayVerticle verticle;

  private ApiGateway(Vertx vertx, String deploymentId, GatewayVerticle verticle) {
    this.vertx = vertx;
    this.deploymentId = deploymentId;
    this.verticle = verticle;
  }

  public static Future<ApiGateway> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, Clock.systemUTC(), UUID::randomUUID);
  }

  static Future<ApiGateway> start(Vertx vertx, GatewayConfig config, Clock clock, Supplier<UUID> ids) {
    GatewayVerticle verticle = new GatewayVerticle(config, clock, ids);
    return vertx.deployVerticle(verticle).map(id -> new ApiGateway(vertx, id, verticle));
  }

  @Override
  public Future<Void> stop() {
    return vertx.undeploy(deploymentId);
  }

  /** The port the HTTP server listens on (the real one when configured with 0). */
  public int httpPort() {
    return verticle.httpPort();
  }

  public Health health() {
    return verticle.health();
  }

  /** The Kafka door, or null when disabled or not started. */
  io.virtflow.gateway.kafka.CommandRouter router() {
    return verticle.router();
  }

  /** The audit writer (counts of records written, failed, dropped). */
  io.virtflow.gateway.kafka.KafkaAuditLog audit() {
    return verticle.audit();
  }

  /** Event-stream clients connected now. */
  int openEventStreams() {
    return verticle.openEventStreams();
  }

  /** Event-stream clients with a Kafka reader of their own; the others follow the one shared tail. */
  int privateEventReaders() {
    return verticle.privateEventReaders();
  }

  boolean eventTailReading() {
    return verticle.eventTailReading();
  }
}
