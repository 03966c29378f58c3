package io.virtflow.agent;

import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.vertx.ServiceRunner;

/** The host agent as a process: configuration from the environment, stopped by SIGTERM. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceRunner.run("host-agent", vertx -> {
      HostAgentConfig config = HostAgentConfig.from(System.getenv());
      // Every Kafka client of this process logs in as this service's user (docs/SECURITY.md).
      KafkaSettings.identify(config.bus());
      return HostAgent.start(vertx, config);
    });
  }
}
