package io.virtflow.agent;

import java.time.Clock;
import java.util.UUID;
import java.util.function.Supplier;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.agent.driver.Hypervisor;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.vertx.ServiceRunner;

/**
 * One host's agent: reads {@code virtflow.host.<hostId>.commands}, drives the hypervisor, publishes
 * statuses, lifecycle events, domain state and heartbeats. Several can share one Vert.x (the dev stack),
 * each with its own host id and data directory.
 */
public final class HostAgent implements ServiceRunner.Stoppable {
  private final Vertx vertx;
  private final HostAgentConfig config;
  private final HostAgentVerticle verticle;
  private final String deploymentId;
  private Future<Void> stopped;

  private HostAgent(Vertx vertx, HostAgentConfig config, HostAgentVerticle verticle, String deploymentId) {
    this.vertx = vertx;
    this.config = config;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
  }

  /** Starts an agent; the future completes once it consumes its topic and has published its first heartbeat. */
  public static Future<HostAgent> start(Vertx vertx, HostAgentConfig config) {
    return start(vertx, config, Clock.systemUTC(), UUID::randomUUID);
  }

  static Future<HostAgent> start(Vertx vertx, HostAgentConfig config, Clock clock, Supplier<UUID> ids) {
    HostAgentVerticle verticle = new HostAgentVerticle(config, clock, ids);
    return vertx.deployVerticle(verticle).map(id -> new HostAgent(vertx, config, verticle, id));
  }

  /** Clean stop: running commands finish, their offsets are committed, a DOWN heartbeat goes out. */
  @Override
  public synchronized Future<Void> stop() {
    if (stopped == null) {
      stopped = vertx.undeploy(deploymentId);
    }
    return stopped;
  }

  /**
   * Simulates a crash, for tests: whatever each running command was doing is abandoned at its next step,
   * nothing more is recorded or published, no DOWN heartbeat. Offsets of fully done commands may still
   * be committed (as an async commit just before a crash would have).
   */
  /**
   * Stops at once, as SIGKILL would: no DOWN heartbeat, no clean hand-over, nothing committed past what
   * was already done. For fault tests (a new agent started on the same data dir picks up from the journal).
   */
  public Future<Void> kill() {
    return crash();
  }

  synchronized Future<Void> crash() {
    if (stopped == null) {
      stopped = verticle.haltFromAnyThread().compose(v -> vertx.undeploy(deploymentId));
    }
    return stopped;
  }

  public Health health() {
    return verticle.health();
  }

  public String hostId() {
    return config.hostId();
  }

  public HostAgentConfig config() {
    return config;
  }

  /** For tests: blocks the agent's context (its work loop) for {@code duration}. */
  void blockWorkLoopFor(java.time.Duration duration) {
    verticle.blockContextFor(duration);
  }

  /** For tests: blocks the agent's context (its work loop) until {@code release} opens. */
  void blockWorkLoopUntil(java.util.concurrent.CountDownLatch release) {
    verticle.blockContextUntil(release);
  }

  /** For tests: commands its consumer handed over that are not done. */
  int commandsInHand() {
    return verticle.commandsInHand();
  }

  /**
   * Whether a newer instance of this host (a higher epoch on {@code host.status}) fenced this one: it then
   * consumes, applies and publishes nothing more, and its health check {@code fence} is DOWN.
   */
  public boolean fenced() {
    return verticle.fenced();
  }

  /** This instance's epoch: above every earlier instance of the host, on this data directory or not. */
  public long epoch() {
    return verticle.epoch();
  }

  /** The hypervisor driver (tests inject faults into the sim driver through it). */
  Hypervisor hypervisor() {
    return verticle.hypervisor();
  }
}
