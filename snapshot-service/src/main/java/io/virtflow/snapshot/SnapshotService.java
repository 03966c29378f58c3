package io.virtflow.snapshot;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.health.HealthServer;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.platform.vertx.ServiceRunner;
import io.virtflow.snapshot.domain.DomainDirectory;
import io.virtflow.snapshot.kafka.DomainStateFeed;

/**
 * The snapshot service. In this release it joins the bus (creates the shared topics, follows every
 * domain's state from {@code vm.state}) and reports health; snapshot workflows build on it.
 */
public final class SnapshotService implements ServiceRunner.Stoppable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

  private final SnapshotServiceConfig config;
  private final DomainDirectory directory = new DomainDirectory();
  private final Health health = new Health("snapshot-service");
  private TopicReader stateReader;
  private HttpServer healthServer;

  private SnapshotService(SnapshotServiceConfig config) {
    this.config = config;
  }

  public static Future<SnapshotService> start(Vertx vertx, SnapshotServiceConfig config) {
    SnapshotService service = new SnapshotService(config);
    return service.createTopics(vertx)
        .compose(v -> service.followDomainStates(vertx))
        .compose(v -> service.serveHealth(vertx))
        .map(v -> {
          LOG.info("snapshot service up: {} domains known ({})", service.directory.size(), config.bus());
          return service;
        });
  }

  private Future<Void> createTopics(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      try (Admin admin = Admin.create(KafkaSettings.admin(config.bus().bootstrap(), "snapshot-service-admin"))) {
        new TopicAdmin(config.bus()).ensureSharedTopics(admin);
      }
      return null;
    });
  }

  private Future<Void> followDomainStates(Vertx vertx) {
    DomainStateFeed feed = new DomainStateFeed(directory);
    stateReader = new TopicReader("snapshot-vm-state",
        new KafkaConsumer<>(KafkaSettings.reader(config.bus().bootstrap(), "snapshot-service-vm-state")),
        config.bus().topics().vmState(), TopicReader.Start.BEGINNING, vertx.getOrCreateContext(), feed::apply).start();
    health.register("vm-state", () -> stateReader.failure() == null
        ? Health.Check.up(directory.size() + " domains known")
        : Health.Check.down("vm.state reader stopped: " + stateReader.failure()));
    return stateReader.caughtUp();
  }

  private Future<Void> serveHealth(Vertx vertx) {
    if (config.healthPort() == 0) {
      return Future.succeededFuture();
    }
    return HealthServer.start(vertx, health, config.healthHost(), config.healthPort())
        .onSuccess(s -> healthServer = s).mapEmpty();
  }

  public Health health() {
    return health;
  }

  public DomainDirectory directory() {
    return directory;
  }

  @Override
  public Future<Void> stop() {
    Future<Void> reader = stateReader == null ? Future.succeededFuture() : stateReader.stop();
    Future<Void> http = healthServer == null ? Future.succeededFuture() : healthServer.close();
    return Future.all(reader, http).mapEmpty();
  }
}
