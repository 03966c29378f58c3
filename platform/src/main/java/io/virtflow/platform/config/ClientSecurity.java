package io.virtflow.platform.config;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * How a Kafka client of this service proves who it is: {@code PLAINTEXT} (no identity, the dev stack) or
 * SASL with SCRAM (one user per service, see docs/SECURITY.md "Kafka bus"). Immutable; the password never
 * appears in {@link #toString()}.
 */
public final class ClientSecurity {
  public static final String PLAINTEXT = "PLAINTEXT";
  public static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";
  public static final String SASL_SSL = "SASL_SSL";
  public static final Set<String> PROTOCOLS = Set.of(PLAINTEXT, SASL_PLAINTEXT, SASL_SSL);
  public static final String SCRAM_SHA_512 = "SCRAM-SHA-512";
  /** PLAIN only for the super user on the brokers' internal listener (docker-compose's kafka-init). */
  public static final String PLAIN = "PLAIN";
  public static final Set<String> MECHANISMS = Set.of(SCRAM_SHA_512, "SCRAM-SHA-256", PLAIN);

  private static final ClientSecurity NONE = new ClientSecurity(PLAINTEXT, null, null, null);

  private final String protocol;
  private final String mechanism;
  private final String username;
  private final String password;

  private ClientSecurity(String protocol, String mechanism, String username, String password) {
    this.protocol = protocol;
    this.mechanism = mechanism;
    this.username = username;
    this.password = password;
  }

  /** No authentication: a {@code PLAINTEXT} listener. */
  public static ClientSecurity plaintext() {
    return NONE;
  }

  /** SCRAM-SHA-512 over {@code SASL_PLAINTEXT}. */
  public static ClientSecurity scram(String username, String password) {
    return sasl(SASL_PLAINTEXT, SCRAM_SHA_512, username, password);
  }

  public static ClientSecurity sasl(String protocol, String mechanism, String username, String password) {
    if (!protocol.startsWith("SASL_") || !PROTOCOLS.contains(protocol)) {
      throw new IllegalArgumentException("not a SASL protocol: " + protocol);
    }
    if (!MECHANISMS.contains(mechanism)) {
      throw new IllegalArgumentException("unsupported SASL mechanism: " + mechanism);
    }
    if (username == null || username.isBlank() || password == null || password.isEmpty()) {
      throw new IllegalArgumentException("SASL needs a user name and a password");
    }
    return new ClientSecurity(protocol, mechanism, username, password);
  }

  public boolean authenticates() {
    return !PLAINTEXT.equals(protocol);
  }

  public String protocol() {
    return protocol;
  }

  /** The SASL mechanism, or null for {@code PLAINTEXT}. */
  public String mechanism() {
    return mechanism;
  }

  /** The Kafka user (principal {@code User:<name>}), or null for {@code PLAINTEXT}. */
  public String username() {
    return username;
  }

  /** The client properties to add to a producer, consumer or admin configuration. */
  public Map<String, Object> clientProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
    if (authenticates()) {
      p.put(SaslConfigs.SASL_MECHANISM, mechanism);
      String module = PLAIN.equals(mechanism) ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required"
          + " username=\"" + jaasEscape(username) + "\" password=\"" + jaasEscape(password) + "\";");
    }
    return p;
  }

  private static String jaasEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClientSecurity c && protocol.equals(c.protocol) && Objects.equals(mechanism, c.mechanism)
        && Objects.equals(username, c.username) && Objects.equals(password, c.password);
  }

  @Override
  public int hashCode() {
    return Objects.hash(protocol, mechanism, username);
  }

  @Override
  public String toString() {
    return authenticates()
        ? protocol.toLowerCase(Locale.ROOT) + "(" + mechanism + " user=" + username + " password=****)"
        : PLAINTEXT.toLowerCase(Locale.ROOT);
  }
}
