package io.virtflow.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.agent.HostAgent;
import io.virtflow.agent.HostAgentConfig;
import io.virtflow.gateway.ApiGateway;
import io.virtflow.gateway.GatewayConfig;
import io.virtflow.gateway.auth.KeyFiles;
import io.virtflow.gateway.auth.TokenMinter;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.schema.AvroCodec;
import io.virtflow.snapshot.SnapshotService;
import io.virtflow.snapshot.SnapshotServiceConfig;

/**
 * Everything in one JVM: the embedded Kafka broker (unless an existing one is named), the snapshot
 * service, N host agents with the {@code sim} driver and the gateway, all on one Vert.x instance. Every
 * service is configured exactly as it would be from its environment in its own container.
 */
public final class DevStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DevStack.class);
  /** Admin tokens of the stacks running in this JVM, by HTTP URL: the same-JVM test helpers find them here. */
  private static final Map<String, String> RUNNING = new java.util.concurrent.ConcurrentHashMap<>();
  /** The admin token's subject and its project: defines that name no project land there. */
  public static final String ADMIN = "admin";
  public static final String DEFAULT_PROJECT = "default";
  public static final Duration ADMIN_TOKEN_TTL = Duration.ofDays(7);

  /** What {@code virtflow up} was asked for. */
  public record Options(int hosts, int httpPort, int kafkaPort, Path dataDir, String bootstrap, String namespace,
      long simLatencyMs, Map<String, String> extra) {
    public Options {
      // 128: the scale benchmark runs 100 agents in one JVM.
      if (hosts < 1 || hosts > 128) {
        throw new IllegalArgumentException("--hosts must be between 1 and 128, not " + hosts);
      }
      extra = Map.copyOf(extra);
    }
  }

  private final Options options;
  private final Vertx vertx;
  private EmbeddedKafka kafka;
  private String bootstrap;
  private SnapshotService snapshots;
  private final List<HostAgent> agents = new ArrayList<>();
  private ApiGateway gateway;
  private String warning;
  private String diskBackend;
  private KeyPair keys;
  private TokenMinter minter;
  private String adminToken;

  private DevStack(Options options) {
    this.options = options;
    this.vertx = Vertx.vertx();
  }

  /** Starts every part and returns once the gateway answers. */
  public static DevStack start(Options options) {
    AvroCodec.trustContract();
    DevStack stack = new DevStack(options);
    try {
      stack.startAll();
      RUNNING.put(stack.httpUrl(), stack.adminToken());
      return stack;
    } catch (RuntimeException | Error e) {
      // Kafka and Vert.x threads would keep the JVM alive: stop whatever started.
      stack.close();
      throw new IllegalStateException("virtflow failed to start: " + e, e);
    }
  }

  private void startAll() {
    try {
      Files.createDirectories(options.dataDir());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create data dir " + options.dataDir() + ": " + e.getMessage(), e);
    }
    keys = loadKeys(options.dataDir());
    minter = new TokenMinter(vertx, keys.getPrivate());
    adminToken = minter.mint(ADMIN, Role.ADMIN, List.of(DEFAULT_PROJECT), ADMIN_TOKEN_TTL);
    try {
      KeyFiles.writeSecret(adminTokenFile(options.dataDir()), adminToken + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + adminTokenFile(options.dataDir()) + ": " + e.getMessage(), e);
    }
    if (options.bootstrap() == null) {
      kafka = EmbeddedKafka.start(options.dataDir().resolve("kafka"), options.kafkaPort());
      bootstrap = kafka.bootstrapServers();
    } else {
      bootstrap = options.bootstrap();
    }
    snapshots = await(SnapshotService.start(vertx, SnapshotServiceConfig.from(env(Map.of()))));
    List<Future<HostAgent>> starting = new ArrayList<>();
    diskBackend = options.extra().getOrDefault("VIRTFLOW_SIM_DISK_BACKEND", qemuImgWorks(options.extra().getOrDefault("VIRTFLOW_QEMU_IMG", "qemu-img")) ? "qcow2" : "memory");
    if ("memory".equals(diskBackend) && !options.extra().containsKey("VIRTFLOW_SIM_DISK_BACKEND")) {
      warning = "qemu-img not found: disks are kept in memory and snapshots are unavailable "
          + "(apt-get install qemu-utils for real qcow2 disks)";
      LOG.warn(warning);
    }
    // Every host's command topic in one request first: 100 agents each creating their own at once made the
    // embedded broker drop the admin connection (docs/BENCHMARKS.md, scale).
    List<String> hostIds = new ArrayList<>();
    for (int i = 1; i <= options.hosts(); i++) {
      hostIds.add("host-" + i);
    }
    BusConfig bus = BusConfig.from(new Settings(env(Map.of())));
    try (Admin admin = Admin.create(KafkaSettings.admin(bus, "virtflow-devstack"))) {
      new TopicAdmin(bus).ensureHostTopics(admin, hostIds);
    }
    for (int i = 1; i <= options.hosts(); i++) {
      String hostId = "host-" + i;
      starting.add(HostAgent.start(vertx, HostAgentConfig.from(env(Map.of(
          "VIRTFLOW_HOST_ID", hostId,
          "VIRTFLOW_DATA_DIR", options.dataDir().resolve("agents").resolve(hostId).toString(),
          "VIRTFLOW_SIM_LATENCY_MS", Long.toString(options.simLatencyMs()),
          "VIRTFLOW_SIM_DISK_BACKEND", diskBackend)))));
    }
    for (Future<HostAgent> f : starting) {
      agents.add(await(f));
    }
    gateway = await(ApiGateway.start(vertx, gatewayConfig(options.httpPort())));
  }

  private GatewayConfig gatewayConfig(int httpPort) {
    return GatewayConfig.from(env(Map.of("VIRTFLOW_HTTP_PORT", Integer.toString(httpPort),
        GatewayConfig.JWT_PUBLIC_KEY_FILE, keysDir(options.dataDir()).resolve(KeyFiles.PUBLIC_FILE).toString())));
  }

  /** Where the token key pair lives: {@code <data-dir>/keys/}. */
  public static Path keysDir(Path dataDir) {
    return dataDir.resolve("keys");
  }

  /** Where {@code up} writes a fresh admin token at every start: {@code <data-dir>/admin.token} (mode 600). */
  public static Path adminTokenFile(Path dataDir) {
    return dataDir.resolve("admin.token");
  }

  /** The data dir's key pair, generated on first use. */
  private static KeyPair loadKeys(Path dataDir) {
    try {
      return KeyFiles.loadOrCreate(keysDir(dataDir));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot read or create the token keys in " + keysDir(dataDir) + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * A token signed with {@code dataDir}'s private key (the {@code virtflow token} command). Fails with
   * {@link IllegalStateException} when that data dir has no keys (the stack never ran there).
   */
  public static String mintToken(Path dataDir, String sub, Role role, List<String> projects, Duration ttl) {
    Path dir = keysDir(dataDir);
    if (!KeyFiles.exist(dir)) {
      throw new IllegalStateException("no token keys in " + dir + ": run 'virtflow up --data-dir " + dataDir
          + "' once first, it generates them");
    }
    KeyPair pair = loadKeys(dataDir);
    Vertx v = Vertx.vertx();
    try {
      return new TokenMinter(v, pair.getPrivate()).mint(sub, role, projects, ttl);
    } finally {
      v.close();
    }
  }

  /** The admin token written at this start (role admin, subject {@code admin}, project {@code default}, 7 days). */
  public String adminToken() {
    return adminToken;
  }

  /** The admin token of the stack of this JVM whose HTTP URL begins {@code url}, or null. */
  static String adminTokenOf(String url) {
    for (Map.Entry<String, String> e : RUNNING.entrySet()) {
      if (url.equals(e.getKey()) || url.startsWith(e.getKey() + "/")) {
        return e.getValue();
      }
    }
    return null;
  }

  /** A token for this stack's gateway. */
  public String mintToken(String sub, Role role, List<String> projects, Duration ttl) {
    return minter.mint(sub, role, projects, ttl);
  }

  /** The environment one service would get in its container. */
  private Map<String, String> env(Map<String, String> own) {
    Map<String, String> env = new HashMap<>(options.extra());
    env.put(BusConfig.BOOTSTRAP, bootstrap);
    env.put(BusConfig.NAMESPACE, options.namespace());
    env.putAll(own);
    return env;
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Why the stack runs degraded, or null. */
  public String warning() {
    return warning;
  }

  private static boolean qemuImgWorks(String executable) {
    try {
      Process p = new ProcessBuilder(executable, "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public String httpUrl() {
    return "http://127.0.0.1:" + gateway.httpPort();
  }

  public int httpPort() {
    return gateway.httpPort();
  }

  public String bootstrap() {
    return bootstrap;
  }

  public List<HostAgent> agents() {
    return List.copyOf(agents);
  }

  /**
   * Stops the snapshot service as it is and starts a new one on the same bus, with a hook called before
   * every workflow step (tests stop a workflow there, as a crash would, and then restart the service).
   */
  public void restartSnapshotService(io.virtflow.snapshot.workflow.Workflows.StepHook hook) {
    await(snapshots.stop());
    snapshots = await(SnapshotService.start(vertx, SnapshotServiceConfig.from(env(Map.of())), hook));
  }

  /**
   * Stops the gateway, runs {@code whileDown}, and starts a new one on the same port, which rebuilds its
   * views from the topics; returns once it answers (the scale benchmark times this).
   */
  public void restartGateway(Runnable whileDown) {
    int port = gateway.httpPort();
    await(gateway.stop());
    gateway = null;
    whileDown.run();
    gateway = await(ApiGateway.start(vertx, gatewayConfig(port)));
  }

  /** Kills host agent {@code index} (0-based) as SIGKILL would. */
  public Future<Void> killAgent(int index) {
    return agents.get(index).kill();
  }

  /** Starts host agent {@code index} again on its data dir (after {@link #killAgent}). */
  public void restartAgent(int index) {
    String hostId = "host-" + (index + 1);
    HostAgent again = await(HostAgent.start(vertx, HostAgentConfig.from(env(Map.of(
        "VIRTFLOW_HOST_ID", hostId,
        "VIRTFLOW_DATA_DIR", options.dataDir().resolve("agents").resolve(hostId).toString(),
        "VIRTFLOW_SIM_LATENCY_MS", Long.toString(options.simLatencyMs()),
        "VIRTFLOW_SIM_DISK_BACKEND", diskBackend)))));
    agents.set(index, again);
  }

  /**
   * Stops the gateway and starts a new one on the same HTTP port (fault tests: a gateway restarted
   * mid-stream; its idempotency keys come back from the bus).
   */
  public void restartGateway() {
    restartGateway(() -> { });
  }

  public SnapshotService snapshotService() {
    return snapshots;
  }

  public boolean isUp() {
    return gateway != null && gateway.health().isUp() && agents.stream().allMatch(a -> a.health().isUp())
        && snapshots.health().isUp();
  }

  /** Stops the parts in the reverse order of their start; the data dir keeps everything. */
  @Override
  public void close() {
    List<Runnable> steps = new ArrayList<>();
    if (gateway != null) {
      RUNNING.remove(httpUrl());
      steps.add(() -> await(gateway.stop()));
    }
    for (HostAgent agent : agents) {
      steps.add(() -> await(agent.stop()));
    }
    if (snapshots != null) {
      steps.add(() -> await(snapshots.stop()));
    }
    steps.add(() -> await(vertx.close()));
    if (kafka != null) {
      steps.add(kafka::close);
    }
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.warn("while stopping: {}", e.toString());
      }
    }
  }
}
