package io.virtflow.snapshot;

import io.virtflow.platform.vertx.ServiceRunner;

/** Composition root of a stand-alone snapshot service: configuration from the environment. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceRunner.run("snapshot-service", vertx -> SnapshotService.start(vertx, SnapshotServiceConfig.from(System.getenv())));
  }
}
