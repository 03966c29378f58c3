package io.virtflow.platform.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import io.virtflow.schema.Topics;

/**
 * How a service reaches the Kafka bus. Read from {@code VIRTFLOW_KAFKA_BOOTSTRAP},
 * {@code VIRTFLOW_TOPIC_NAMESPACE}, {@code VIRTFLOW_TOPIC_PARTITIONS}, {@code VIRTFLOW_TOPIC_REPLICATION},
 * and the client's identity ({@link ClientSecurity}) from {@code VIRTFLOW_KAFKA_SECURITY_PROTOCOL},
 * {@code VIRTFLOW_KAFKA_SASL_MECHANISM}, {@code VIRTFLOW_KAFKA_USERNAME} and
 * {@code VIRTFLOW_KAFKA_PASSWORD} or {@code VIRTFLOW_KAFKA_PASSWORD_FILE}. {@link #toString()} never shows
 * the password.
 */
public record BusConfig(String bootstrap, Topics topics, int partitions, short replication, int minInsyncReplicas,
    ClientSecurity security) {

  public static final String BOOTSTRAP = "VIRTFLOW_KAFKA_BOOTSTRAP";
  public static final String NAMESPACE = "VIRTFLOW_TOPIC_NAMESPACE";
  public static final String PARTITIONS = "VIRTFLOW_TOPIC_PARTITIONS";
  public static final String REPLICATION = "VIRTFLOW_TOPIC_REPLICATION";
  public static final String MIN_INSYNC = "VIRTFLOW_TOPIC_MIN_INSYNC_REPLICAS";
  public static final String SECURITY_PROTOCOL = "VIRTFLOW_KAFKA_SECURITY_PROTOCOL";
  public static final String SASL_MECHANISM = "VIRTFLOW_KAFKA_SASL_MECHANISM";
  public static final String USERNAME = "VIRTFLOW_KAFKA_USERNAME";
  public static final String PASSWORD = "VIRTFLOW_KAFKA_PASSWORD";
  public static final String PASSWORD_FILE = "VIRTFLOW_KAFKA_PASSWORD_FILE";

  /** A bus without authentication ({@code PLAINTEXT}). */
  public BusConfig(String bootstrap, Topics topics, int partitions, short replication, int minInsyncReplicas) {
    this(bootstrap, topics, partitions, replication, minInsyncReplicas, ClientSecurity.plaintext());
  }

  /** The same bus seen with another identity (tests, the ACL set-up tool). */
  public BusConfig withSecurity(ClientSecurity other) {
    return new BusConfig(bootstrap, topics, partitions, replication, minInsyncReplicas, other);
  }

  public static BusConfig from(Settings s) {
    String bootstrap = s.string(BOOTSTRAP, "127.0.0.1:9092");
    String namespace = s.string(NAMESPACE, "virtflow");
    Topics topics;
    try {
      topics = new Topics(namespace);
    } catch (IllegalArgumentException e) {
      s.problem(NAMESPACE + ": " + e.getMessage());
      topics = Topics.production();
    }
    int partitions = s.integer(PARTITIONS, 3, 1, 1000);
    short replication = (short) s.integer(REPLICATION, 1, 1, 10);
    int minIsr = s.integer(MIN_INSYNC, replication > 1 ? 2 : 1, 1, 10);
    if (minIsr > replication) {
      s.problem(MIN_INSYNC + "=" + minIsr + " exceeds " + REPLICATION + "=" + replication);
    }
    return new BusConfig(bootstrap, topics, partitions, replication, minIsr, security(s));
  }

  private static ClientSecurity security(Settings s) {
    String protocol = s.string(SECURITY_PROTOCOL, ClientSecurity.PLAINTEXT).toUpperCase(Locale.ROOT);
    String mechanism = s.string(SASL_MECHANISM, ClientSecurity.SCRAM_SHA_512).toUpperCase(Locale.ROOT);
    String username = s.string(USERNAME, null);
    String password = s.string(PASSWORD, null);
    Path passwordFile = s.path(PASSWORD_FILE, null);
    if (!ClientSecurity.PROTOCOLS.contains(protocol)) {
      s.problem(SECURITY_PROTOCOL + "=" + protocol + " is not one of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL");
      return ClientSecurity.plaintext();
    }
    if (ClientSecurity.PLAINTEXT.equals(protocol)) {
      if (username != null || password != null || passwordFile != null) {
        s.problem(USERNAME + "/" + PASSWORD + " are set but " + SECURITY_PROTOCOL
            + " is PLAINTEXT: the credentials would be ignored");
      }
      return ClientSecurity.plaintext();
    }
    boolean ok = true;
    if (!ClientSecurity.MECHANISMS.contains(mechanism)) {
      s.problem(SASL_MECHANISM + "=" + mechanism + " is not one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN");
      ok = false;
    }
    if (username == null) {
      s.problem(USERNAME + " is required when " + SECURITY_PROTOCOL + "=" + protocol);
      ok = false;
    }
    if (password != null && passwordFile != null) {
      s.problem("set one of " + PASSWORD + " and " + PASSWORD_FILE + ", not both");
      ok = false;
    } else if (passwordFile != null) {
      password = readPassword(s, passwordFile);
      ok &= password != null;
    } else if (password == null) {
      s.problem(PASSWORD + " or " + PASSWORD_FILE + " is required when " + SECURITY_PROTOCOL + "=" + protocol);
      ok = false;
    }
    return ok ? ClientSecurity.sasl(protocol, mechanism, username, password) : ClientSecurity.plaintext();
  }

  /** A docker secret: the file's content without its trailing line break. */
  private static String readPassword(Settings s, Path file) {
    try {
      String p = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (p.isEmpty()) {
        s.problem(PASSWORD_FILE + "=" + file + " is empty");
        return null;
      }
      return p;
    } catch (IOException e) {
      s.problem(PASSWORD_FILE + "=" + file + " cannot be read: " + e.getMessage());
      return null;
    }
  }

  @Override
  public String toString() {
    return "bootstrap=" + bootstrap + " namespace=" + topics.namespace() + " partitions=" + partitions
        + " replication=" + replication + " minIsr=" + minInsyncReplicas + " security=" + security;
  }
}
