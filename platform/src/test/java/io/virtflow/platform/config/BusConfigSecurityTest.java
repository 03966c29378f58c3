package io.virtflow.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.platform.kafka.KafkaSettings;

class BusConfigSecurityTest {

  private static BusConfig parse(Map<String, String> env) {
    Settings s = new Settings(env);
    BusConfig bus = BusConfig.from(s);
    s.validate();
    return bus;
  }

  @Test
  void withoutSecuritySettingsTheBusIsPlaintextAndClientsCarryNoCredentials() {
    BusConfig bus = parse(Map.of());
    assertThat(bus.security().authenticates()).isFalse();
    assertThat(KafkaSettings.producer(bus, "p", 5000)).containsEntry("security.protocol", "PLAINTEXT")
        .doesNotContainKey("sasl.jaas.config");
  }

  @Test
  void saslSettingsReachEveryKindOfClient() {
    BusConfig bus = parse(Map.of(BusConfig.SECURITY_PROTOCOL, "sasl_plaintext", BusConfig.USERNAME, "gateway",
        BusConfig.PASSWORD, "s3cret\"x"));
    assertThat(bus.security().protocol()).isEqualTo("SASL_PLAINTEXT");
    assertThat(bus.security().mechanism()).isEqualTo("SCRAM-SHA-512");
    assertThat(bus.security().username()).isEqualTo("gateway");
    for (Map<String, Object> client : java.util.List.of(KafkaSettings.producer(bus, "p", 5000),
        KafkaSettings.groupConsumer(bus, "g", "c"), KafkaSettings.reader(bus, "r"), KafkaSettings.admin(bus, "a"))) {
      assertThat(client).containsEntry("security.protocol", "SASL_PLAINTEXT")
          .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
      assertThat(client.get("sasl.jaas.config").toString()).contains("ScramLoginModule required")
          .contains("username=\"gateway\"").contains("password=\"s3cret\\\"x\"");
    }
  }

  @Test
  void thePasswordNeverShowsInToString() {
    BusConfig bus = parse(Map.of(BusConfig.SECURITY_PROTOCOL, "SASL_SSL", BusConfig.USERNAME, "snapshot",
        BusConfig.PASSWORD, "hunter2-very-secret"));
    assertThat(bus.toString()).doesNotContain("hunter2").contains("user=snapshot").contains("password=****")
        .contains("sasl_ssl");
    assertThat(bus.security().toString()).doesNotContain("hunter2");
  }

  @Test
  void plainUsesThePlainLoginModule() {
    BusConfig bus = parse(Map.of(BusConfig.SECURITY_PROTOCOL, "SASL_PLAINTEXT", BusConfig.SASL_MECHANISM, "PLAIN",
        BusConfig.USERNAME, "admin", BusConfig.PASSWORD, "pw"));
    assertThat(KafkaSettings.admin(bus, "a")).containsEntry("sasl.mechanism", "PLAIN");
    assertThat(KafkaSettings.admin(bus, "a").get("sasl.jaas.config").toString()).startsWith(
        "org.apache.kafka.common.security.plain.PlainLoginModule required");
  }

  @Test
  void thePasswordMayComeFromADockerSecretFile(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("kafka-password");
    Files.writeString(secret, "from-a-file\n");
    BusConfig bus = parse(Map.of(BusConfig.SECURITY_PROTOCOL, "SASL_PLAINTEXT", BusConfig.USERNAME, "agent-h1",
        BusConfig.PASSWORD_FILE, secret.toString()));
    assertThat(KafkaSettings.admin(bus, "a").get("sasl.jaas.config").toString())
        .contains("password=\"from-a-file\";");
  }

  @Test
  void saslWithoutCredentialsNamesEverythingMissing() {
    assertThatThrownBy(() -> parse(Map.of(BusConfig.SECURITY_PROTOCOL, "SASL_PLAINTEXT",
        BusConfig.SASL_MECHANISM, "GSSAPI")))
        .isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining(BusConfig.USERNAME + " is required")
        .hasMessageContaining(BusConfig.PASSWORD + " or " + BusConfig.PASSWORD_FILE + " is required")
        .hasMessageContaining(BusConfig.SASL_MECHANISM + "=GSSAPI");
  }

  @Test
  void badProtocolPasswordTwiceUnreadableFileAndIgnoredCredentialsAreRefused(@TempDir Path dir) {
    assertThatThrownBy(() -> parse(Map.of(BusConfig.SECURITY_PROTOCOL, "SSL")))
        .hasMessageContaining(BusConfig.SECURITY_PROTOCOL + "=SSL is not one of");
    assertThatThrownBy(() -> parse(Map.of(BusConfig.SECURITY_PROTOCOL, "SASL_PLAINTEXT", BusConfig.USERNAME, "u",
        BusConfig.PASSWORD, "p", BusConfig.PASSWORD_FILE, "/x")))
        .hasMessageContaining("not both");
    Map<String, String> env = new HashMap<>(Map.of(BusConfig.SECURITY_PROTOCOL, "SASL_PLAINTEXT",
        BusConfig.USERNAME, "u", BusConfig.PASSWORD_FILE, dir.resolve("missing").toString()));
    assertThatThrownBy(() -> parse(env)).hasMessageContaining("cannot be read");
    assertThatThrownBy(() -> parse(Map.of(BusConfig.USERNAME, "u", BusConfig.PASSWORD, "p")))
        .hasMessageContaining("would be ignored");
  }

  @Test
  void clientsBuiltFromABareBootstrapUseTheIdentityDeclaredForIt() {
    BusConfig bus = parse(Map.of(BusConfig.BOOTSTRAP, "identity-test:9092", BusConfig.SECURITY_PROTOCOL,
        "SASL_PLAINTEXT", BusConfig.USERNAME, "agent-h9", BusConfig.PASSWORD, "pw"));
    assertThat(KafkaSettings.reader("identity-test:9092", "r")).containsEntry("security.protocol", "PLAINTEXT");
    KafkaSettings.identify(bus);
    try {
      assertThat(KafkaSettings.reader("identity-test:9092", "r")).containsEntry("security.protocol", "SASL_PLAINTEXT");
      assertThat(KafkaSettings.producer("identity-test:9092", "p", 5000).get("sasl.jaas.config").toString())
          .contains("agent-h9");
      assertThat(KafkaSettings.admin("other:9092", "a")).containsEntry("security.protocol", "PLAINTEXT");
    } finally {
      KafkaSettings.identify(bus.withSecurity(ClientSecurity.plaintext()));
    }
    assertThat(KafkaSettings.groupConsumer("identity-test:9092", "g", "c")).containsEntry("security.protocol", "PLAINTEXT");
  }
}
