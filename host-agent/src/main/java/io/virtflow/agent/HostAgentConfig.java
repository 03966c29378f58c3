package io.virtflow.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.driver.SimHypervisor;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;
import io.virtflow.schema.Topics;

/**
 * Everything a host agent is told at start, read once from the environment and validated; immutable.
 *
 * @param simLatency the sim driver's time per call: a default and overrides per operation
 * @param simDiskBackend {@code qcow2} (real image files made with qemu-img) or {@code memory} (none: for
 *     scale benchmarks; disk steps are then unsupported)
 * @param qemuImg the qemu-img executable: a name on the PATH or a path
 * @param qemuTimeout how long one qemu-img call may take before it is killed
 * @param healthPort 0 for no health endpoint
 * @param simFaultRate the share (0 to 1) of the sim driver's lifecycle calls that fail DRIVER_ERROR
 * @param driverTimeout how long one hypervisor call may take before its command ends FAILED TIMEOUT
 * @param driverBreakerWait how long the driver's circuit breaker stays open before it probes again
 * @param shutdownTimeout how long a shutdown waits for the guest to power off before it ends FAILED TIMEOUT
 *     (shorter than {@code driverTimeout}, which bounds the whole call)
 * @param resyncInterval how often the driver's change feed reads every domain again, besides its events
 * @param libvirt the libvirt driver's settings (unused by the sim)
 */
public record HostAgentConfig(String hostId, Path dataDir, String driver, SimLatency simLatency,
    String simDiskBackend, double simFaultRate, String qemuImg, Duration qemuTimeout, Duration driverTimeout,
    Duration driverBreakerWait, Duration heartbeatInterval, int maxConcurrentDomains, int hostVcpus, long hostMemoryMiB, String healthHost, int healthPort, BusConfig bus,
    Duration shutdownTimeout, Duration resyncInterval, Libvirt libvirt) {

  public static final String HOST_ID = "VIRTFLOW_HOST_ID";
  public static final String DATA_DIR = "VIRTFLOW_DATA_DIR";
  public static final String DRIVER = "VIRTFLOW_DRIVER";
  /** A number of milliseconds for every call, and/or {@code op=ms} overrides: {@code "5,start=200"}. */
  public static final String SIM_LATENCY_MS = "VIRTFLOW_SIM_LATENCY_MS";
  /** {@code qcow2} (default) or {@code memory}. */
  public static final String SIM_DISK_BACKEND = "VIRTFLOW_SIM_DISK_BACKEND";
  /** The qemu-img executable (default {@code qemu-img}, from the PATH). */
  public static final String QEMU_IMG = "VIRTFLOW_QEMU_IMG";
  public static final String QEMU_TIMEOUT_MS = "VIRTFLOW_QEMU_TIMEOUT_MS";
  /** The share (0.0 to 1.0) of the sim driver's lifecycle calls that fail with DRIVER_ERROR (default 0). */
  public static final String SIM_FAULT_RATE = "VIRTFLOW_SIM_FAULT_RATE";
  /** Per hypervisor call (default 30000). */
  public static final String DRIVER_TIMEOUT_MS = "VIRTFLOW_DRIVER_TIMEOUT_MS";
  /** How long the driver's circuit breaker stays open (default 5000). */
  public static final String DRIVER_BREAKER_WAIT_MS = "VIRTFLOW_DRIVER_BREAKER_WAIT_MS";
  public static final String HEARTBEAT_MS = "VIRTFLOW_HEARTBEAT_MS";
  public static final String MAX_CONCURRENT_DOMAINS = "VIRTFLOW_AGENT_MAX_CONCURRENT_DOMAINS";
  public static final String HOST_VCPUS = "VIRTFLOW_HOST_VCPUS";
  public static final String HOST_MEMORY_MIB = "VIRTFLOW_HOST_MEMORY_MIB";
  public static final String HEALTH_HOST = "VIRTFLOW_HEALTH_HOST";
  public static final String HEALTH_PORT = "VIRTFLOW_HEALTH_PORT";

  /** Per shutdown: how long the guest has to power off (default 20000). */
  public static final String SHUTDOWN_TIMEOUT_MS = "VIRTFLOW_SHUTDOWN_TIMEOUT_MS";
  /** How often every domain is read again (default 30000). */
  public static final String RESYNC_MS = "VIRTFLOW_RESYNC_MS";
  /** The libvirt connection URI (default {@code qemu:///system}). */
  public static final String LIBVIRT_URI = "VIRTFLOW_LIBVIRT_URI";
  /** The host's image directory: kernels, initrds, base images a definition may name (default {@code <dataDir>/images}). */
  public static final String IMAGE_DIR = "VIRTFLOW_IMAGE_DIR";
  /** The libvirt domain type: {@code auto} (a probe decides), {@code kvm} or {@code qemu}. */
  public static final String LIBVIRT_DOMAIN_TYPE = "VIRTFLOW_LIBVIRT_DOMAIN_TYPE";
  /** How long a live merge (a libvirt block job) may run before it is aborted (default 2/3 of the driver timeout). */
  public static final String BLOCK_JOB_TIMEOUT_MS = "VIRTFLOW_BLOCK_JOB_TIMEOUT_MS";
  /** The speed limit of live merges in MiB/s, as libvirt's block-job bandwidth (default 0: unlimited). */
  public static final String BLOCK_JOB_BANDWIDTH_MIB = "VIRTFLOW_BLOCK_JOB_BANDWIDTH_MIB";

  /** The drivers this build has. */
  public static final List<String> DRIVERS = List.of("sim", "libvirt");

  /**
   * The libvirt driver's settings.
   *
   * @param uri the connection URI
   * @param imageDir where the definitions' kernels, initrds and base images are
   * @param domainType {@code auto}, {@code kvm} or {@code qemu}
   * @param blockJobTimeout how long one live merge may run before it is aborted (inside the driver timeout)
   * @param blockJobBandwidthMiB the live merges' speed limit in MiB/s, 0 for none
   */
  public record Libvirt(String uri, Path imageDir, String domainType, Duration blockJobTimeout,
      long blockJobBandwidthMiB) {
    public static final List<String> DOMAIN_TYPES = List.of("auto", "kvm", "qemu");

    public Libvirt {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(imageDir, "imageDir");
      Objects.requireNonNull(domainType, "domainType");
      Objects.requireNonNull(blockJobTimeout, "blockJobTimeout");
      if (blockJobBandwidthMiB < 0) {
        throw new IllegalArgumentException("blockJobBandwidthMiB < 0");
      }
    }

    public Libvirt(String uri, Path imageDir, String domainType) {
      this(uri, imageDir, domainType, Duration.ofSeconds(20), 0);
    }

    @Override
    public String toString() {
      return "uri=" + uri + " imageDir=" + imageDir + " domainType=" + domainType + " blockJobTimeout="
          + blockJobTimeout.toMillis() + "ms blockJobBandwidth=" + (blockJobBandwidthMiB == 0 ? "unlimited"
          : blockJobBandwidthMiB + "MiB/s");
    }
  }
  /** The sim driver's disk backends. */
  public static final List<String> DISK_BACKENDS = List.of(SimHypervisor.QCOW2_BACKEND, SimHypervisor.MEMORY_BACKEND);

  /** The sim driver's latency: {@code byOperation} overrides {@code all}. */
  public record SimLatency(Duration all, Map<Operation, Duration> byOperation) {
    public static final SimLatency NONE = new SimLatency(Duration.ZERO, Map.of());

    public SimLatency {
      Objects.requireNonNull(all, "all");
      byOperation = Map.copyOf(byOperation);
    }

    @Override
    public String toString() {
      String overrides = byOperation.entrySet().stream().sorted(Map.Entry.comparingByKey())
          .map(e -> e.getKey().verb() + "=" + e.getValue().toMillis())
          .collect(Collectors.joining(","));
      return all.toMillis() + "ms" + (overrides.isEmpty() ? "" : "," + overrides);
    }
  }

  public HostAgentConfig {
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(driver, "driver");
    Objects.requireNonNull(simLatency, "simLatency");
    Objects.requireNonNull(simDiskBackend, "simDiskBackend");
    Objects.requireNonNull(qemuImg, "qemuImg");
    Objects.requireNonNull(qemuTimeout, "qemuTimeout");
    Objects.requireNonNull(driverTimeout, "driverTimeout");
    Objects.requireNonNull(driverBreakerWait, "driverBreakerWait");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(bus, "bus");
  }

  /** Reads and validates; throws {@link Settings.ConfigException} naming every bad value. */
  public static HostAgentConfig from(Map<String, String> env) {
    Settings s = new Settings(env);
    String hostId = s.required(HOST_ID);
    if (!hostId.isEmpty() && !Topics.isValidHostId(hostId)) {
      s.problem(HOST_ID + "=" + hostId + " is not a host id (letters, digits, '_' or '-', at most 63)");
    }
    Path dataDir = s.path(DATA_DIR, Path.of(".virtflow", "agent-" + hostId));
    String driver = s.string(DRIVER, "sim").toLowerCase(Locale.ROOT);
    if (!DRIVERS.contains(driver)) {
      s.problem(DRIVER + "=" + driver + " is not supported; supported drivers: " + String.join(", ", DRIVERS));
    }
    SimLatency latency = simLatency(s, s.string(SIM_LATENCY_MS, "0"));
    String diskBackend = s.string(SIM_DISK_BACKEND, SimHypervisor.QCOW2_BACKEND).toLowerCase(Locale.ROOT);
    if (!DISK_BACKENDS.contains(diskBackend)) {
      s.problem(SIM_DISK_BACKEND + "=" + diskBackend + " is not a disk backend; choose one of "
          + String.join(", ", DISK_BACKENDS));
    }
    String qemuImg = s.string(QEMU_IMG, "qemu-img");
    if (qemuImg.isBlank()) {
      s.problem(QEMU_IMG + " is empty; name the qemu-img executable");
    }
    Duration qemuTimeout = s.millis(QEMU_TIMEOUT_MS, 60_000, 100, 3_600_000);
    double faultRate = 0;
    String faultText = s.string(SIM_FAULT_RATE, "0");
    try {
      faultRate = Double.parseDouble(faultText);
    } catch (NumberFormatException e) {
      faultRate = Double.NaN;
    }
    if (!(faultRate >= 0 && faultRate <= 1)) {
      s.problem(SIM_FAULT_RATE + "=" + faultText + " is not a share between 0.0 and 1.0");
      faultRate = 0;
    }
    Duration driverTimeout = s.millis(DRIVER_TIMEOUT_MS, 30_000, 10, 3_600_000);
    Duration breakerWait = s.millis(DRIVER_BREAKER_WAIT_MS, 5_000, 10, 600_000);
    Duration heartbeat = s.millis(HEARTBEAT_MS, 3_000, 50, 600_000);
    int maxDomains = s.integer(MAX_CONCURRENT_DOMAINS, 16, 1, 4_096);
    int vcpus = s.integer(HOST_VCPUS, 64, 1, 1_000_000);
    long memory = s.longValue(HOST_MEMORY_MIB, 262_144, 1, Long.MAX_VALUE / 2);
    String healthHost = s.string(HEALTH_HOST, "0.0.0.0");
    int healthPort = s.integer(HEALTH_PORT, 0, 0, 65_535);
    BusConfig bus = BusConfig.from(s);
    // By default 20 s, and always inside the call's own time limit.
    Duration shutdownTimeout = s.millis(SHUTDOWN_TIMEOUT_MS, Math.min(20_000, driverTimeout.toMillis() * 2 / 3),
        10, 3_600_000);
    if (env.containsKey(SHUTDOWN_TIMEOUT_MS) && shutdownTimeout.compareTo(driverTimeout) >= 0) {
      s.problem(SHUTDOWN_TIMEOUT_MS + "=" + shutdownTimeout.toMillis() + " must be shorter than " + DRIVER_TIMEOUT_MS
          + "=" + driverTimeout.toMillis() + " (the time limit of the whole shutdown call)");
    }
    Duration resync = s.millis(RESYNC_MS, 30_000, 100, 86_400_000);
    String uri = s.string(LIBVIRT_URI, "qemu:///system");
    if (uri.isBlank()) {
      s.problem(LIBVIRT_URI + " is empty; name a libvirt connection URI such as qemu:///system");
    }
    Path imageDir = s.path(IMAGE_DIR, dataDir.resolve("images"));
    String domainType = s.string(LIBVIRT_DOMAIN_TYPE, "auto").toLowerCase(Locale.ROOT);
    if (!Libvirt.DOMAIN_TYPES.contains(domainType)) {
      s.problem(LIBVIRT_DOMAIN_TYPE + "=" + domainType + " is not one of " + String.join(", ", Libvirt.DOMAIN_TYPES));
    }
    // Like a shutdown's wait: inside the time limit of the whole step, so that an overdue job is aborted
    // (and the chain left as it was) before the step's caller gives up on it.
    Duration blockJobTimeout = s.millis(BLOCK_JOB_TIMEOUT_MS, driverTimeout.toMillis() * 2 / 3, 10, 3_600_000);
    if (env.containsKey(BLOCK_JOB_TIMEOUT_MS) && blockJobTimeout.compareTo(driverTimeout) >= 0) {
      s.problem(BLOCK_JOB_TIMEOUT_MS + "=" + blockJobTimeout.toMillis() + " must be shorter than " + DRIVER_TIMEOUT_MS
          + "=" + driverTimeout.toMillis() + " (the time limit of the whole merge step)");
    }
    long bandwidth = s.longValue(BLOCK_JOB_BANDWIDTH_MIB, 0, 0, 1_000_000);
    s.validate();
    return new HostAgentConfig(hostId, dataDir, driver, latency, diskBackend, faultRate, qemuImg, qemuTimeout,
        driverTimeout, breakerWait, heartbeat, maxDomains, vcpus, memory, healthHost, healthPort, bus,
        shutdownTimeout, resync, new Libvirt(uri, imageDir, domainType, blockJobTimeout, bandwidth));
  }

  private static SimLatency simLatency(Settings s, String text) {
    Duration all = Duration.ZERO;
    Map<Operation, Duration> byOperation = new EnumMap<>(Operation.class);
    for (String item : text.split(",")) {
      String part = item.trim();
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = eq < 0 ? null : part.substring(0, eq).trim();
      Long ms = millis(eq < 0 ? part : part.substring(eq + 1).trim());
      if (ms == null) {
        s.problem(SIM_LATENCY_MS + ": '" + part + "' is not a number of milliseconds (0 to 600000)");
        continue;
      }
      if (name == null) {
        all = Duration.ofMillis(ms);
        continue;
      }
      try {
        byOperation.put(Operation.valueOf(name.toUpperCase(Locale.ROOT)), Duration.ofMillis(ms));
      } catch (IllegalArgumentException e) {
        s.problem(SIM_LATENCY_MS + ": '" + name + "' is not an operation (define, start, shutdown, ...)");
      }
    }
    return new SimLatency(all, byOperation);
  }

  private static Long millis(String text) {
    try {
      long ms = Long.parseLong(text);
      return ms < 0 || ms > 600_000 ? null : ms;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The host's image directory: kernels, initrds and base images a definition may name (every driver). */
  public Path imageDir() {
    return libvirt.imageDir();
  }

  /** The topic namespace this agent works in (drivers keep it in the domains they own). */
  public String namespace() {
    return bus.topics().namespace();
  }

  @Override
  public String toString() {
    return "hostId=" + hostId + " dataDir=" + dataDir + " driver=" + driver + " simLatency=" + simLatency
        + " simDiskBackend=" + simDiskBackend + " simFaultRate=" + simFaultRate + " qemuImg=" + qemuImg
        + " qemuTimeout=" + qemuTimeout.toMillis() + "ms driverTimeout=" + driverTimeout.toMillis()
        + "ms driverBreakerWait=" + driverBreakerWait.toMillis() + "ms heartbeat=" + heartbeatInterval.toMillis() + "ms maxConcurrentDomains=" + maxConcurrentDomains
        + " vcpus=" + hostVcpus + " memoryMiB=" + hostMemoryMiB
        + " health=" + (healthPort == 0 ? "off" : healthHost + ":" + healthPort) + " shutdownTimeout="
        + shutdownTimeout.toMillis() + "ms resync=" + resyncInterval.toMillis() + "ms"
        + ("libvirt".equals(driver) ? " libvirt=[" + libvirt + "]" : "") + " bus=[" + bus + "]";
  }
}
