package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtflow.platform.config.Settings;

class GatewayConfigTest {

  @Test
  void defaults() {
    GatewayConfig c = GatewayConfig.from(Map.of(GatewayConfig.JWT_PUBLIC_KEY, TestKeys.PUBLIC_PEM));
    assertThat(c.httpHost()).isEqualTo("0.0.0.0");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.hostDownAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.commandDeadline()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.sendTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.maxBodyBytes()).isEqualTo(1_048_576);
    assertThat(c.maxWait()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.maxEventStreams()).isEqualTo(256);
    assertThat(c.eventHeartbeat()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.bus().bootstrap()).isEqualTo("127.0.0.1:9092");
    assertThat(c.bus().topics().namespace()).isEqualTo("virtflow");
  }

  @Test
  void everyKeyIsRead() {
    GatewayConfig c = GatewayConfig.from(Map.ofEntries(
        Map.entry("VIRTFLOW_HTTP_HOST", "127.0.0.1"), Map.entry("VIRTFLOW_HTTP_PORT", "0"),
        Map.entry("VIRTFLOW_HOST_DOWN_AFTER_MS", "1500"), Map.entry("VIRTFLOW_COMMAND_DEADLINE_MS", "60000"),
        Map.entry("VIRTFLOW_KAFKA_SEND_TIMEOUT_MS", "2000"), Map.entry("VIRTFLOW_MAX_BODY_BYTES", "4096"),
        Map.entry("VIRTFLOW_MAX_WAIT_MS", "1000"), Map.entry("VIRTFLOW_MAX_EVENT_STREAMS", "3"),
        Map.entry("VIRTFLOW_EVENT_HEARTBEAT_MS", "300"), Map.entry("VIRTFLOW_MAX_TRACKED_COMMANDS", "500"),
        Map.entry("VIRTFLOW_KAFKA_BOOTSTRAP", "kafka:9092"), Map.entry("VIRTFLOW_TOPIC_NAMESPACE", "ns"),
        Map.entry("VIRTFLOW_JWT_PUBLIC_KEY", TestKeys.PUBLIC_PEM), Map.entry("VIRTFLOW_JWT_ISSUER", "iss1"),
        Map.entry("VIRTFLOW_JWT_AUDIENCE", "aud1"), Map.entry("VIRTFLOW_RATE_LIMIT_PER_SEC", "7"),
        Map.entry("VIRTFLOW_REQUEST_TIMEOUT_MS", "1234")));
    assertThat(c.httpHost()).isEqualTo("127.0.0.1");
    assertThat(c.httpPort()).isZero();
    assertThat(c.hostDownAfter()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.commandDeadline()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.sendTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.maxBodyBytes()).isEqualTo(4096);
    assertThat(c.maxWait()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.maxEventStreams()).isEqualTo(3);
    assertThat(c.eventHeartbeat()).isEqualTo(Duration.ofMillis(300));
    assertThat(c.maxTrackedCommands()).isEqualTo(500);
    assertThat(c.bus().bootstrap()).isEqualTo("kafka:9092");
    assertThat(c.jwtIssuer()).isEqualTo("iss1");
    assertThat(c.jwtAudience()).isEqualTo("aud1");
    assertThat(c.rateLimitPerSec()).isEqualTo(7);
    assertThat(c.requestTimeout()).isEqualTo(Duration.ofMillis(1234));
    assertThat(c.toString()).contains("ns").contains("127.0.0.1:0").doesNotContain("BEGIN");
  }

  @Test
  void everyBadValueIsNamedAtOnce() {
    assertThatThrownBy(() -> GatewayConfig.from(Map.of("VIRTFLOW_HTTP_PORT", "70000",
        "VIRTFLOW_HOST_DOWN_AFTER_MS", "soon", "VIRTFLOW_TOPIC_NAMESPACE", "bad namespace")))
        .isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining("VIRTFLOW_HTTP_PORT")
        .hasMessageContaining("VIRTFLOW_HOST_DOWN_AFTER_MS")
        .hasMessageContaining("VIRTFLOW_TOPIC_NAMESPACE");
  }

  @Test
  void theSendTimeoutMustBeShorterThanTheDeadline() {
    assertThatThrownBy(() -> GatewayConfig.from(Map.of("VIRTFLOW_COMMAND_DEADLINE_MS", "5000",
        "VIRTFLOW_KAFKA_SEND_TIMEOUT_MS", "5000", GatewayConfig.JWT_PUBLIC_KEY, TestKeys.PUBLIC_PEM)))
        .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("must be below");
  }

  @Test
  void withoutATokenKeyTheGatewayRefusesToStart() {
    assertThatThrownBy(() -> GatewayConfig.from(Map.of()))
        .isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining("VIRTFLOW_JWT_PUBLIC_KEY_FILE")
        .hasMessageContaining("does not run without authentication");
  }

  @Test
  void aKeyFileIsRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("pub.pem");
    java.nio.file.Files.writeString(file, TestKeys.PUBLIC_PEM);
    assertThat(GatewayConfig.from(Map.of(GatewayConfig.JWT_PUBLIC_KEY_FILE, file.toString())).jwtPublicKeyPem())
        .isEqualTo(TestKeys.PUBLIC_PEM);
  }

  @Test
  void aMissingUnreadableOrWrongKeyIsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    assertThatThrownBy(() -> GatewayConfig.from(Map.of(GatewayConfig.JWT_PUBLIC_KEY_FILE,
        dir.resolve("none.pem").toString()))).isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining("cannot read the key file");
    assertThatThrownBy(() -> GatewayConfig.from(Map.of(GatewayConfig.JWT_PUBLIC_KEY, "-----BEGIN PUBLIC KEY-----\nAAAA\n"
        + "-----END PUBLIC KEY-----\n"))).isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining("not an EC public key");
    assertThatThrownBy(() -> GatewayConfig.from(Map.of(GatewayConfig.JWT_PUBLIC_KEY, TestKeys.PUBLIC_PEM,
        GatewayConfig.JWT_PUBLIC_KEY_FILE, "/x.pem"))).isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining("only one");
  }
}
