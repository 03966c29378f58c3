package io.virtflow.devstack.reliability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.schema.Topics;

/**
 * Scenario d: the dev stack on an in-process 3-node KRaft cluster (replication factor 3,
 * {@code min.insync.replicas=2}) loses one broker under load and goes on with two.
 */
class ClusterBrokerLostTest {
  @TempDir
  Path dataDir;

  @Test
  void aClusterLosingOneBrokerUnderLoadLosesNothingAccepted() {
    int domains = Scale.pick(20, 50);
    int commands = Scale.pick(200, 1000);
    try (EmbeddedCluster cluster = EmbeddedCluster.start(dataDir.resolve("kafka"));
        DevStack stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir.resolve("stack"), cluster.bootstrap(),
            "virtflow", 2, Map.of(BusConfig.REPLICATION, "3", BusConfig.MIN_INSYNC, "2")))) {
      Api api = new Api(stack);
      Scenario.awaitHostUp(api, "host-1");
      int loseAt = commands / 3;
      Workload w = new Workload(api, domains, commands, 31, "host-1").run(i -> {
        if (i == loseAt) {
          cluster.stopNode(2);
        }
      });
      w.settle(Duration.ofSeconds(Scale.pick(180, 300)));
      JsonObject counts = w.verify(cluster.bootstrap(), new Topics("virtflow").vmEvents(), Duration.ofSeconds(60))
          .put("brokers", 3).put("brokersLost", 1).put("replicationFactor", 3).put("minInsyncReplicas", 2);
      Scenario.report("d. 3-broker cluster loses one broker", counts);
    }
  }
}
