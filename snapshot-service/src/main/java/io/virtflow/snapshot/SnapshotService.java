package io.virtflow.snapshot;

import java.time.Clock;
import java.util.List;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.health.HealthServer;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.OrderedCommitConsumer;
import io.virtflow.platform.kafka.Publisher;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.platform.kafka.TopicReader;
import io.virtflow.platform.vertx.ServiceRunner;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.SnapshotRequest;
import io.virtflow.snapshot.domain.CatalogBook;
import io.virtflow.snapshot.domain.DomainDirectory;
import io.virtflow.snapshot.kafka.CatalogFeed;
import io.virtflow.snapshot.kafka.DomainStateFeed;
import io.virtflow.snapshot.kafka.StatusWatcher;
import io.virtflow.snapshot.workflow.Workflows;

/**
 * The snapshot service: owns every domain's snapshot catalog (rebuilt from {@code snapshot.events}),
 * follows every domain's state from {@code vm.state}, takes requests from {@code snapshot.requests} and
 * runs them as workflows of disk steps on the domains' host agents.
 */
public final class SnapshotService implements ServiceRunner.Stoppable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

  private final SnapshotServiceConfig config;
  private final DomainDirectory directory = new DomainDirectory();
  private final Health health = new Health("snapshot-service");
  private final CatalogBook book = new CatalogBook();
  private final CatalogFeed catalogFeed = new CatalogFeed(book);
  private Vertx vertx;
  private TopicReader stateReader;
  private TopicReader catalogReader;
  private StatusWatcher watcher;
  private Publisher publisher;
  private Workflows workflows;
  private OrderedCommitConsumer<SnapshotRequest> requests;
  private HttpServer healthServer;

  private final Workflows.StepHook hook;

  private SnapshotService(SnapshotServiceConfig config, Workflows.StepHook hook) {
    this.config = config;
    this.hook = hook;
  }

  public static Future<SnapshotService> start(Vertx vertx, SnapshotServiceConfig config) {
    return start(vertx, config, Workflows.StepHook.NONE);
  }

  /** With a hook called before every workflow step (crash tests stop the service there). */
  public static Future<SnapshotService> start(Vertx vertx, SnapshotServiceConfig config, Workflows.StepHook hook) {
    SnapshotService service = new SnapshotService(config, hook);
    service.vertx = vertx;
    return service.createTopics(vertx)
        .compose(v -> service.followDomainStates(vertx))
        .compose(v -> service.rebuildCatalog(vertx))
        .compose(v -> service.startWorkflows(vertx))
        .compose(v -> service.workflows.resumeUnfinished())
        .compose(v -> service.takeRequests(vertx))
        .compose(v -> service.serveHealth(vertx))
        .map(v -> {
          LOG.info("snapshot service up: {} domains known, {} catalogs ({})", service.directory.size(),
              service.book.size(), config.bus());
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

  private Future<Void> rebuildCatalog(Vertx vertx) {
    catalogReader = new TopicReader("snapshot-catalog",
        new KafkaConsumer<>(KafkaSettings.reader(config.bus().bootstrap(), "snapshot-service-catalog")),
        config.bus().topics().snapshotEvents(), TopicReader.Start.BEGINNING, vertx.getOrCreateContext(),
        catalogFeed::apply).start();
    health.register("catalog", () -> catalogReader.failure() == null
        ? Health.Check.up(book.size() + " catalogs, " + catalogFeed.inconsistent() + " inconsistent events")
        : Health.Check.down("snapshot.events reader stopped: " + catalogReader.failure()));
    return catalogReader.caughtUp();
  }

  private Future<Void> startWorkflows(Vertx vertx) {
    publisher = new Publisher(new KafkaProducer<>(KafkaSettings.producer(config.bus().bootstrap(),
        "snapshot-service", 30_000)));
    watcher = new StatusWatcher(config.bus(), vertx.getOrCreateContext());
    workflows = new Workflows(vertx, config.bus(), publisher, watcher, book, catalogFeed, directory, Clock.systemUTC(),
        config.stepTimeout(), hook);
    return watcher.start();
  }

  private Future<Void> takeRequests(Vertx vertx) {
    requests = new OrderedCommitConsumer<>("snapshot-requests",
        new KafkaConsumer<>(KafkaSettings.groupConsumer(config.bus().bootstrap(), "virtflow-snapshot-service",
            "snapshot-service")),
        List.of(config.bus().topics().snapshotRequests()), vertx.getOrCreateContext(), Codecs.SNAPSHOT_REQUEST::decode,
        (record, request) -> workflows.submit(request),
        new DeadLetters(publisher, config.bus().topics().dlq(), "snapshot-service"), 1000);
    health.register("requests", () -> requests.isRunning() ? Health.Check.up(requests.inFlight() + " in flight")
        : Health.Check.down("request consumer stopped: " + requests.failure()));
    return requests.start();
  }

  private Future<Void> followDomainStates(Vertx vertx) {
    DomainStateFeed feed = new DomainStateFeed(directory, id -> {
      if (workflows != null) {
        workflows.dropCatalog(id);
      }
    });
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

  public CatalogBook catalogs() {
    return book;
  }

  @Override
  public Future<Void> stop() {
    Future<Void> consumer = requests == null ? Future.succeededFuture() : requests.stop();
    return consumer.transform(ar -> {
      Future<Void> reader = stateReader == null ? Future.succeededFuture() : stateReader.stop();
      Future<Void> catalog = catalogReader == null ? Future.succeededFuture() : catalogReader.stop();
      Future<Void> status = watcher == null ? Future.succeededFuture() : watcher.stop();
      Future<Void> http = healthServer == null ? Future.succeededFuture() : healthServer.close();
      return Future.join(reader, catalog, status, http).mapEmpty();
    }).transform(ar -> publisher == null ? Future.<Void>succeededFuture()
        // close() waits for in-flight sends: not on the event loop.
        : vertx.<Void>executeBlocking(() -> {
          publisher.close();
          return null;
        }));
  }
}
