package io.virtflow.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.agent.HostAgent;
import io.virtflow.agent.HostAgentConfig;
import io.virtflow.gateway.ApiGateway;
import io.virtflow.gateway.GatewayConfig;
import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.platform.config.BusConfig;
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

  /** What {@code virtflow up} was asked for. */
  public record Options(int hosts, int httpPort, int kafkaPort, Path dataDir, String bootstrap, String namespace,
      long simLatencyMs, Map<String, String> extra) {
    public Options {
      if (hosts < 1 || hosts > 64) {
        throw new IllegalArgumentException("--hosts must be between 1 and 64, not " + hosts);
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
    gateway = await(ApiGateway.start(vertx, GatewayConfig.from(env(Map.of(
        "VIRTFLOW_HTTP_PORT", Integer.toString(options.httpPort()))))));
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
    int port = gateway.httpPort();
    await(gateway.stop());
    gateway = await(ApiGateway.start(vertx, GatewayConfig.from(env(Map.of("VIRTFLOW_HTTP_PORT", Integer.toString(port))))));
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
