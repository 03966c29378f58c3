package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.virtflow.platform.config.BusConfig;

/** A gateway that cannot reach its bus does not start, says why, and leaves nothing deployed. */
class StartupFailureTest {

  @Test
  void anUnresolvableBootstrapFailsTheStart() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      GatewayConfig config = GatewayConfig.from(Map.of(BusConfig.BOOTSTRAP, "no-such-host.invalid:9092",
          GatewayConfig.HTTP_PORT, "0", GatewayConfig.HTTP_HOST, "127.0.0.1", GatewayConfig.JWT_PUBLIC_KEY,
          TestKeys.PUBLIC_PEM));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> ApiGateway.start(vertx, config, Clock.systemUTC(), UUID::randomUUID)
          .await(30, TimeUnit.SECONDS)).hasMessageContaining("bootstrap");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(20);
      assertThat(vertx.deploymentIDs()).isEmpty();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
