package io.virtflow.agent;

import io.virtflow.platform.vertx.ServiceRunner;

/** The host agent as a process: configuration from the environment, stopped by SIGTERM. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceRunner.run("host-agent", vertx -> HostAgent.start(vertx, HostAgentConfig.from(System.getenv())));
  }
}
