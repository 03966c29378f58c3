package io.virtflow.devstack.reliability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/**
 * Scenario a: a host agent process is killed with SIGKILL during a stream of commands and started again on
 * the same data directory. Every domain lives on that host.
 */
class AgentKilledTest {
  private static final String HOST = "host-x";

  @TempDir
  Path dataDir;

  @Test
  void anAgentProcessKilledMidStreamLosesNothingAndAppliesNothingTwice() {
    int domains = Scale.pick(20, 50);
    int commands = Scale.pick(200, 1000);
    BusConfig bus = KafkaFixture.freshBus();
    Map<String, String> agentEnv = new HashMap<>();
    agentEnv.put("VIRTFLOW_HOST_ID", HOST);
    agentEnv.put("VIRTFLOW_DATA_DIR", dataDir.resolve("agent-x").toString());
    agentEnv.put(BusConfig.BOOTSTRAP, bus.bootstrap());
    agentEnv.put(BusConfig.NAMESPACE, bus.topics().namespace());
    agentEnv.put(BusConfig.PARTITIONS, Integer.toString(bus.partitions()));
    agentEnv.put("VIRTFLOW_SIM_DISK_BACKEND", "memory");
    agentEnv.put("VIRTFLOW_SIM_LATENCY_MS", "5");
    Path log = Path.of("target", "reliability", "agent-x.log");

    try (DevStack stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir.resolve("stack"), bus.bootstrap(),
        bus.topics().namespace(), 0, Map.of()))) {
      Api api = new Api(stack);
      AgentProcess[] agent = {AgentProcess.start(agentEnv, log)};
      try {
        Scenario.awaitHostUp(api, HOST);
        int killAt = commands / 3;
        int restartAt = commands / 2;
        int[] kills = {0};
        Workload w = new Workload(api, domains, commands, 42, HOST).run(i -> {
          if (i == killAt) {
            agent[0].kill();
            kills[0]++;
          } else if (i == restartAt) {
            agent[0] = AgentProcess.start(agentEnv, log);
          }
        });
        w.settle(Duration.ofSeconds(Scale.pick(120, 300)));
        JsonObject counts = w.verify(bus.bootstrap(), bus.topics().vmEvents(), Duration.ofSeconds(30))
            .put("kills", kills[0]).put("how", "separate JVM (io.virtflow.agent.Main), Process.destroyForcibly()");
        Scenario.report("a. host agent SIGKILL mid-stream", counts);
      } finally {
        agent[0].close();
      }
    }
  }
}
