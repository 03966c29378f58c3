package io.virtflow.snapshot;

import java.util.Map;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;

/**
 * The snapshot service's settings, read once at start: the bus ({@link BusConfig} keys) and
 * {@code VIRTFLOW_HEALTH_PORT} (0: no health endpoint of its own, as in the dev stack).
 */
public record SnapshotServiceConfig(BusConfig bus, String healthHost, int healthPort) {
  public static final String HEALTH_HOST = "VIRTFLOW_HEALTH_HOST";
  public static final String HEALTH_PORT = "VIRTFLOW_HEALTH_PORT";

  public static SnapshotServiceConfig from(Map<String, String> env) {
    Settings s = new Settings(env);
    BusConfig bus = BusConfig.from(s);
    String host = s.string(HEALTH_HOST, "0.0.0.0");
    int port = s.integer(HEALTH_PORT, 0, 0, 65535);
    s.validate();
    return new SnapshotServiceConfig(bus, host, port);
  }
}
