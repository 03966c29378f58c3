package io.virtflow.devstack.reliability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;
import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.schema.Topics;

/**
 * Scenario c: the Kafka broker (an embedded KRaft broker of this test's own, not the shared one) is
 * stopped mid-stream and started again on the same log directory and port. Requests during the outage
 * are answered 503 and counted as refused; every 202 must still end, exactly once.
 */
class BrokerRestartedTest {
  @TempDir
  Path dataDir;

  @Test
  void aBrokerRestartedMidStreamLosesNothingAccepted() {
    int domains = Scale.pick(20, 50);
    int commands = Scale.pick(200, 1000);
    int outage = Scale.pick(5, 20);
    EmbeddedKafka[] kafka = {EmbeddedKafka.start(dataDir.resolve("kafka"), 0)};
    try (DevStack stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir.resolve("stack"),
        kafka[0].bootstrapServers(), "virtflow", 2, Map.of("VIRTFLOW_KAFKA_SEND_TIMEOUT_MS", "1500")))) {
      Api api = new Api(stack);
      Scenario.awaitHostUp(api, "host-1");
      int stopAt = commands / 3;
      Workload w = new Workload(api, domains, commands, 11, "host-1").run(i -> {
        if (i == stopAt) {
          kafka[0].close();
        } else if (i == stopAt + outage) {
          kafka[0] = kafka[0].restart();
        }
      });
      w.settle(Duration.ofSeconds(Scale.pick(180, 300)));
      JsonObject counts = w.verify(kafka[0].bootstrapServers(), new Topics("virtflow").vmEvents(),
          Duration.ofSeconds(60)).put("brokerRestarts", 1).put("commandsDuringOutage", outage);
      Scenario.report("c. Kafka broker restarted mid-stream", counts);
    } finally {
      kafka[0].close();
    }
  }
}
