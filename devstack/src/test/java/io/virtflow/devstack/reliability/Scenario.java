package io.virtflow.devstack.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.vertx.core.json.JsonObject;

/** What every scenario asserts on its counts, after writing them to the results file. */
final class Scenario {
  private Scenario() {
  }

  static void report(String scenario, JsonObject counts) {
    Results.append(scenario, counts);
    assertThat(counts.getInteger("lost")).as("accepted commands that never ended").isZero();
    assertThat(counts.getInteger("terminal")).as("terminal == accepted").isEqualTo(counts.getInteger("accepted"));
    assertThat(counts.getInteger("duplicatedEffects")).as("effects applied twice").isZero();
    assertThat(counts.getInteger("missingEffects")).as("SUCCEEDED without its events").isZero();
    assertThat(counts.getInteger("modelMismatches")).as("statuses the lifecycle table contradicts").isZero();
    assertThat(counts.getInteger("finalStateMismatches")).as("domains not in their replayed state").isZero();
    assertThat(counts.getInteger("accepted")).as("something was accepted").isPositive();
  }

  /** Waits until the gateway lists {@code hostId} as UP. */
  static void awaitHostUp(Api api, String hostId) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Api.Answer a = api.get("/v1/hosts");
      return a.status() == 200 && a.json().getJsonArray("hosts").stream()
          .map(JsonObject.class::cast)
          .anyMatch(h -> hostId.equals(h.getString("hostId", h.getString("id"))) && "UP".equals(h.getString("status")));
    });
  }
}
