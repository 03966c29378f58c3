package io.virtflow.devstack.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/**
 * Scenario b: the gateway is restarted while a client streams commands. Requests that got no answer are
 * sent again with their Idempotency-Key; afterwards, requests answered before the restart are sent again
 * with their keys and must get their original answer (same command id).
 */
class GatewayRestartedTest {
  @TempDir
  Path dataDir;

  @Test
  void aGatewayRestartedMidStreamKeepsItsIdempotencyKeysAndLosesNothing() throws Exception {
    int domains = Scale.pick(20, 50);
    int commands = Scale.pick(200, 1000);
    BusConfig bus = KafkaFixture.freshBus();
    try (DevStack stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir, bus.bootstrap(),
        bus.topics().namespace(), 2, Map.of()))) {
      Api api = new Api(stack);
      Scenario.awaitHostUp(api, "host-1");
      int restartAt = commands / 2;
      Thread[] restarter = new Thread[1];
      Workload w = new Workload(api, domains, commands, 7, "host-1").retryingUnanswered();
      w.run(i -> {
        if (i == restartAt) {
          // Beside the stream, as an operator would: requests meanwhile get no answer and are retried.
          restarter[0] = new Thread(stack::restartGateway, "restart-gateway");
          restarter[0].start();
        }
      });
      restarter[0].join();
      w.settle(Duration.ofSeconds(Scale.pick(120, 300)));
      JsonObject counts = w.verify(bus.bootstrap(), bus.topics().vmEvents(), Duration.ofSeconds(30));

      List<Workload.Sent> before = w.accepted().stream().filter(s -> s.index() < restartAt).toList();
      int replays = 0;
      int same = 0;
      for (int k = 0; k < before.size(); k += Math.max(1, before.size() / 20)) {
        Workload.Sent s = before.get(k);
        Api.Answer again = api.post(s.path(), s.body(), s.key());
        replays++;
        if (again.status() == 202 && s.commandId().equals(again.json().getString("commandId"))) {
          same++;
        } else {
          System.out.println("replay of " + s.key() + " answered " + again.status() + " " + again.body());
        }
      }
      counts.put("unansweredRetried", w.unansweredRetries()).put("idempotentReplays", replays)
          .put("idempotentSameAnswer", same).put("restarts", 1);
      Scenario.report("b. gateway restarted mid-stream", counts);
      assertThat(same).as("re-POSTs after the restart answered with the original command").isEqualTo(replays);
      assertThat(replays).isPositive();
    }
  }
}
