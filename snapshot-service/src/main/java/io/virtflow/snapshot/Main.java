package io.virtflow.snapshot;

import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.vertx.ServiceRunner;

/** Composition root of a stand-alone snapshot service: configuration from the environment. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceRunner.run("snapshot-service", vertx -> {
      SnapshotServiceConfig config = SnapshotServiceConfig.from(System.getenv());
      // Every Kafka client of this process logs in as this service's user (docs/SECURITY.md).
      KafkaSettings.identify(config.bus());
      return SnapshotService.start(vertx, config);
    });
  }
}
