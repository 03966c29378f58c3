package io.virtflow.gateway;

import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.vertx.ServiceRunner;

/** The gateway as a process: configuration from the environment, stopped cleanly on SIGTERM. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceRunner.run("api-gateway", vertx -> {
      GatewayConfig config = GatewayConfig.from(System.getenv());
      // Every Kafka client of this process logs in as this service's user (docs/SECURITY.md).
      KafkaSettings.identify(config.bus());
      return ApiGateway.start(vertx, config);
    });
  }
}
