package io.virtflow.gateway;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.virtflow.gateway.auth.TokenVerifier;
import io.virtflow.gateway.command.CommandService;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.http.HttpApi;
import io.virtflow.gateway.http.Problems;
import io.virtflow.gateway.http.RequestGate;
import io.virtflow.gateway.kafka.BusView;
import io.virtflow.gateway.kafka.CommandRouter;
import io.virtflow.gateway.kafka.DeadLetterSweep;
import io.virtflow.gateway.kafka.EventReaders;
import io.virtflow.gateway.kafka.KafkaAuditLog;
import io.virtflow.gateway.kafka.KafkaCommandSink;
import io.virtflow.gateway.kafka.Projections;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.Publisher;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.platform.security.BusAcls;
import io.virtflow.platform.vertx.Blocking;

/**
 * The gateway's one verticle. Start: create the shared topics, open the Kafka clients (all on a
 * worker), rebuild the projections, and only once all four have caught up, open both doors: the
 * {@code virtflow.commands} router (unless disabled) and the HTTP listener. Projections, the router and
 * HTTP handlers share this verticle's context, so the in-memory state needs no locks.
 */
final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final long SWEEP_INTERVAL_MS = 1_000;

  private final GatewayConfig config;
  private final Clock clock;
  private final Supplier<UUID> ids;
  private final Health health = new Health("api-gateway");
  private final String instance = UUID.randomUUID().toString().substring(0, 8);

  private Blocking blocking;
  private KafkaClients clients;
  // Read by health checks and accessors from other threads.
  private volatile KafkaCommandSink sink;
  private volatile Projections projections;
  private volatile HttpApi api;
  private volatile HttpServer server;
  private volatile CommandRouter router;
  private volatile KafkaAuditLog audit;
  private volatile DeadLetterSweep sweep;
  private BusView busView;
  private TokenVerifier verifier;
  private long sweepTimer = -1;

  /** The Kafka clients, opened together on a worker. */
  private record KafkaClients(Producer<String, byte[]> producer, Admin admin, List<Consumer<String, byte[]>> readers,
      Consumer<String, byte[]> routerConsumer, Consumer<String, byte[]> sweepConsumer) {
  }

  GatewayVerticle(GatewayConfig config, Clock clock, Supplier<UUID> ids) {
    this.config = config;
    this.clock = clock;
    this.ids = ids;
    health.register("projections", () -> projections == null ? Health.Check.down("starting") : projections.check());
    health.register("producer", () -> {
      if (sink == null) {
        return Health.Check.down("starting");
      }
      String failure = sink.lastSendFailure();
      return failure == null ? Health.Check.up("last write acknowledged")
          : Health.Check.down("last write failed: " + failure);
    });
    // Informational: audit failures are counted and logged, never a reason to refuse traffic.
    health.register("audit", () -> audit == null ? Health.Check.up("starting")
        : Health.Check.up(audit.written() + " written, " + audit.failed() + " failed, " + audit.dropped() + " dropped"));
    if (config.routerEnabled()) {
      health.register("router", () -> router == null ? Health.Check.down("starting") : router.check());
    }
    if (config.dlqSweep()) {
      // As the router's: a sweep that stopped (authorization) leaves bad records unparked; say so.
      health.register("dlqSweep", () -> sweep == null ? Health.Check.down("starting") : sweep.check());
    }
  }

  @Override
  public Future<?> start() {
    LOG.info("api-gateway starting: {}", config);
    blocking = new Blocking(vertx, "virtflow-gateway-blocking", 4);
    GatewayState state = new GatewayState(clock, config.hostDownAfter(), config.maxTrackedCommands());
    verifier = new TokenVerifier(vertx, config.jwtPublicKeyPem(), config.jwtIssuer(), config.jwtAudience());
    return blocking.run(this::openKafka)
        .compose(opened -> {
          clients = opened;
          startSweep();
          audit = new KafkaAuditLog(opened.producer(), config.bus().topics().audit());
          sink = new KafkaCommandSink(vertx, context, opened.producer(), opened.admin(),
              new TopicAdmin(config.bus()), config.bus().topics(), blocking);
          Iterator<Consumer<String, byte[]>> readers = opened.readers().iterator();
          return Projections.start(config.bus().topics(), state, clock, context, readers::next);
        })
        .compose(p -> {
          projections = p;
          CommandService service = new CommandService(state, sink, ids, config.commandDeadline());
          // Started once the projections caught up: a command's RUNNING is known before it could look overdue.
          sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL_MS, t -> {
            state.sweep();
            service.timeOutOverdue();
          });
          return startRouter(service).map(service);
        })
        .compose(service -> {
          busView = new BusView(vertx, clients.admin(), config.bus().bootstrap(), config.bus().topics(), clock,
              "api-gateway-" + instance + "-bus-view");
          api = new HttpApi(new HttpApi.Parts(vertx, context, state, service,
              new EventReaders(config.bus().bootstrap(), config.bus().topics().vmEvents(), blocking), health,
              config.maxBodyBytes(), config.maxWait(), config.maxEventStreams(), config.eventHeartbeat(), verifier, audit,
              config.rateLimitPerSec(), config.requestTimeout(), config.eventMaxStall(), config.eventTailRecords(),
              busView));
          return vertx.createHttpServer().requestHandler(new RequestGate(api.router()))
              .invalidRequestHandler(Problems::invalidRequest).listen(config.httpPort(), config.httpHost());
        })
        .<Void>compose(s -> {
          server = s;
          LOG.info("api-gateway serving on {}:{}", config.httpHost(), s.actualPort());
          return Future.succeededFuture();
        })
        .recover(e -> {
          LOG.error("api-gateway failed to start: {}", e.toString());
          return shutdown().transform(x -> Future.failedFuture(e));
        });
  }

  /** The Kafka door: starts once the projections caught up, so that every known command id is known. */
  private Future<Void> startRouter(CommandService service) {
    if (clients.routerConsumer() == null) {
      return Future.succeededFuture();
    }
    router = new CommandRouter(config.bus().topics().commands(), clients.routerConsumer(), context, service,
        new DeadLetters(new Publisher(clients.producer()), config.bus().topics().dlq(), routerGroup()),
        config.routerMaxInFlight(), verifier, audit, clock);
    return router.start();
  }

  /**
   * The dead-letter sweep of the projection topics: started, not waited for, so that the gateway's
   * readiness does not depend on a group join; a failure shows on {@code /health} and in the log.
   */
  private void startSweep() {
    if (clients.sweepConsumer() == null) {
      return;
    }
    String group = new BusAcls(config.bus().topics()).gatewaySweepGroup();
    sweep = new DeadLetterSweep(config.bus().topics(), clients.sweepConsumer(), context,
        new DeadLetters(new Publisher(clients.producer()), config.bus().topics().dlq(), group));
    sweep.start();
  }

  DeadLetterSweep sweep() {
    return sweep;
  }

  /** {@code virtflow-gateway-router} in production: every gateway instance of a namespace shares the topic's partitions. */
  private String routerGroup() {
    return config.bus().topics().namespace() + "-gateway-router";
  }

  @Override
  public Future<?> stop() {
    return shutdown();
  }

  int httpPort() {
    return server == null ? -1 : server.actualPort();
  }

  Health health() {
    return health;
  }

  CommandRouter router() {
    return router;
  }

  KafkaAuditLog audit() {
    return audit;
  }

  int openEventStreams() {
    return api == null ? 0 : api.openEventStreams();
  }

  int privateEventReaders() {
    return api == null ? 0 : api.privateEventReaders();
  }

  boolean eventTailReading() {
    return api != null && api.eventTailReading();
  }

  private KafkaClients openKafka() {
    try {
      return openKafkaClients();
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      throw new IllegalStateException("cannot use the Kafka bus at " + config.bus().bootstrap() + ": " + root, e);
    }
  }

  private KafkaClients openKafkaClients() {
    String bootstrap = config.bus().bootstrap();
    // Start-up waits for the bus with the platform's patient admin settings, then lets that client go.
    try (Admin startup = Admin.create(KafkaSettings.admin(bootstrap, "api-gateway-init-" + instance))) {
      new TopicAdmin(config.bus()).ensureSharedTopics(startup);
    }
    Map<String, Object> adminProps = KafkaSettings.admin(bootstrap, "api-gateway-" + instance);
    // A host topic is created on the request path: give up within the command write budget.
    int budget = (int) Math.max(1_000, config.sendTimeout().toMillis());
    adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, budget);
    adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, budget);
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Admin admin = Admin.create(adminProps);
      opened.add(admin);
      Producer<String, byte[]> producer = new KafkaProducer<>(KafkaSettings.producer(bootstrap,
          "api-gateway-" + instance, config.sendTimeout().toMillis()));
      opened.add(producer);
      List<Consumer<String, byte[]>> readers = new ArrayList<>();
      for (String name : List.of("vm-state", "host-status", "command-status", "snapshot-events")) {
        Consumer<String, byte[]> c = new KafkaConsumer<>(KafkaSettings.reader(bootstrap,
            "api-gateway-" + instance + "-" + name));
        opened.add(c);
        readers.add(c);
      }
      Consumer<String, byte[]> routerConsumer = null;
      if (config.routerEnabled()) {
        Map<String, Object> props = KafkaSettings.groupConsumer(bootstrap, routerGroup(), "api-gateway-" + instance
            + "-router");
        // One poll never takes the router past its in-flight bound (CommandRouter).
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, CommandRouter.pollRecords(config.routerMaxInFlight()));
        routerConsumer = new KafkaConsumer<>(props);
        opened.add(routerConsumer);
      }
      Consumer<String, byte[]> sweepConsumer = null;
      if (config.dlqSweep()) {
        sweepConsumer = new KafkaConsumer<>(KafkaSettings.groupConsumer(bootstrap,
            new BusAcls(config.bus().topics()).gatewaySweepGroup(), "api-gateway-" + instance + "-dlq-sweep"));
        opened.add(sweepConsumer);
      }
      return new KafkaClients(producer, admin, readers, routerConsumer, sweepConsumer);
    } catch (RuntimeException e) {
      opened.forEach(GatewayVerticle::closeQuietly);
      throw e;
    }
  }

  private Future<Void> shutdown() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
      sweepTimer = -1;
    }
    Future<Void> http = server == null ? Future.succeededFuture() : server.close();
    Future<Void> streams = api == null ? Future.succeededFuture() : api.closeEventStreams();
    // The router stops before the producer closes: what it has done is committed, the rest is read again.
    Future<Void> routing = router == null ? Future.succeededFuture() : router.stop();
    Future<Void> sweeping = sweep == null ? Future.succeededFuture() : sweep.stop();
    Future<Void> viewing = busView == null ? Future.succeededFuture() : busView.close();
    return Future.join(List.of(http, streams, routing, sweeping, viewing))
        .transform(x -> projections == null ? Future.succeededFuture() : projections.stop())
        .transform(x -> closeClients())
        .transform(x -> {
          if (sink != null) {
            sink.close();
          }
          if (blocking != null) {
            blocking.close();
          }
          LOG.info("api-gateway stopped");
          return Future.<Void>succeededFuture();
        });
  }

  private Future<Void> closeClients() {
    KafkaClients c = clients;
    if (c == null) {
      return Future.succeededFuture();
    }
    clients = null;
    KafkaAuditLog a = audit;
    return blocking.run(() -> {
      if (a != null) {
        a.close();
      }
      // The producer flushes what it holds (ACCEPTED statuses) before it goes.
      c.producer().close(java.time.Duration.ofSeconds(5));
      c.admin().close(java.time.Duration.ofSeconds(2));
      return (Void) null;
    });
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("close: {}", e.toString());
    }
  }
}
