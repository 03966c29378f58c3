package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;

/**
 * A host that never comes back (issue #4 item 2): its commands that missed their start end TIMED_OUT by the
 * gateway, also when the gateway restarted in between (the deadline travels on the ACCEPTED status); a
 * command its agent said RUNNING is left to the agent.
 */
class DownHostCommandsTest {
  private static final Map<String, String> CONFIG = Map.of(GatewayConfig.HOST_DOWN_AFTER_MS, "1000");
  private static BusConfig bus;
  private static TestAgent agent;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "gone").heartbeatEvery(Duration.ofMillis(300));
  }

  @AfterAll
  static void tearDown() {
    agent.close();
  }

  private static JsonObject command(RunningGateway gw, String id) {
    return gw.get("/v1/commands/" + id).json();
  }

  @Test
  void commandsOfAHostThatNeverReturnsEndTimedOutAcrossAGatewayRestart() {
    RunningGateway gw = RunningGateway.start(bus, CONFIG);
    String running;
    String beforeRestart;
    try {
      String domain = agent.existingDomain("gone-vm");
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/gone-vm").status() == 200);
      // One the agent takes (RUNNING) before it goes silent, then the host goes DOWN.
      running = gw.post("/v1/domains/" + domain + "/start?timeoutMs=2000", null).json().getString("commandId");
      Command taken = agent.awaitCommand(running);
      agent.status(taken, CommandStatusCode.RUNNING);
      await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(command(gw, running).getString("status")));
      agent.stopHeartbeats();
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").stream()
          .map(JsonObject.class::cast).anyMatch(h -> h.getString("hostId").equals("gone")
              && h.getString("status").equals("DOWN")));

      String lost = gw.post("/v1/domains/" + domain + "/destroy?timeoutMs=1000", null).json().getString("commandId");
      await().atMost(Duration.ofSeconds(20)).until(() -> "TIMED_OUT".equals(command(gw, lost).getString("status")));
      JsonObject ended = command(gw, lost);
      assertThat(ended.getString("code")).isEqualTo("TIMEOUT");
      assertThat(ended.getString("message")).contains("host gone is down").contains("will not run");

      // Accepted by this gateway, ended by the next one.
      beforeRestart = gw.post("/v1/domains/" + domain + "/suspend?timeoutMs=3000", null).json().getString("commandId");
      assertThat(command(gw, beforeRestart).getString("status")).isEqualTo("ACCEPTED");
    } finally {
      gw.close();
    }
    RunningGateway again = RunningGateway.start(bus, CONFIG);
    try {
      await().atMost(Duration.ofSeconds(30))
          .until(() -> "TIMED_OUT".equals(command(again, beforeRestart).getString("status")));
      // The one its agent had started is the agent's to end: still RUNNING, long after its deadline.
      assertThat(command(again, running).getString("status")).isEqualTo("RUNNING");
    } finally {
      again.close();
    }
  }
}
