package io.virtflow.devstack;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/** The whole stack in this JVM on the shared test broker, in a namespace of its own, with its hosts UP. */
final class Stacks {
  private Stacks() {
  }

  static DevStack upWithHosts(int hosts, Path dataDir) {
    BusConfig bus = KafkaFixture.freshBus();
    DevStack stack = DevStack.start(new DevStack.Options(hosts, 0, 0, dataDir, bus.bootstrap(),
        bus.topics().namespace(), 0, Map.of()));
    Http http = new Http(stack.httpUrl());
    await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/hosts").json().getJsonArray("hosts").stream()
        .filter(h -> "UP".equals(((JsonObject) h).getString("status"))).count() == hosts);
    return stack;
  }
}
