package io.virtflow.gateway;

import io.virtflow.platform.vertx.ServiceRunner;

/** The gateway as a process: configuration from the environment, stopped cleanly on SIGTERM. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceRunner.run("api-gateway", vertx -> ApiGateway.start(vertx, GatewayConfig.from(System.getenv())));
  }
}
