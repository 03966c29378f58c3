package io.virtflow.snapshot;

import java.time.Duration;
import java.util.Map;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;

/**
 * The snapshot service's settings, read once at start: the bus ({@link BusConfig} keys),
 * {@code VIRTFLOW_HEALTH_HOST}/{@code VIRTFLOW_HEALTH_PORT} (0: no health endpoint of its own, as in the
 * dev stack) and {@code VIRTFLOW_SNAPSHOT_STEP_TIMEOUT_MS}, how long one disk step may take.
 */
public record SnapshotServiceConfig(BusConfig bus, String healthHost, int healthPort, Duration stepTimeout) {
  public static final String HEALTH_HOST = "VIRTFLOW_HEALTH_HOST";
  public static final String HEALTH_PORT = "VIRTFLOW_HEALTH_PORT";
  public static final String STEP_TIMEOUT_MS = "VIRTFLOW_SNAPSHOT_STEP_TIMEOUT_MS";

  public static SnapshotServiceConfig from(Map<String, String> env) {
    Settings s = new Settings(env);
    BusConfig bus = BusConfig.from(s);
    String host = s.string(HEALTH_HOST, "0.0.0.0");
    int port = s.integer(HEALTH_PORT, 0, 0, 65535);
    Duration step = s.millis(STEP_TIMEOUT_MS, 120_000, 1_000, 3_600_000);
    s.validate();
    return new SnapshotServiceConfig(bus, host, port, step);
  }
}
