package io.virtflow.platform.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * The real Apache Kafka broker ({@code kafka_2.13}), single node, KRaft broker+controller in this JVM.
 * Its log directory survives {@link #close()}: started again on the same directory (and port) it finds
 * every record it had. Not a fake: clients speak the wire protocol to it on loopback.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final Path logDir;
  private final int port;
  private final int controllerPort;
  /** Null for a PLAINTEXT client listener; else the password of the SCRAM super user {@code admin}. */
  private final String adminPassword;
  private KafkaRaftServer server;

  private EmbeddedKafka(Path logDir, int port, int controllerPort, String adminPassword) {
    this.logDir = logDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.adminPassword = adminPassword;
  }

  /** The super user of a broker started with {@link #startSecured}. */
  public static final String ADMIN_USER = "admin";

  /**
   * Formats the log directory if needed and starts the broker.
   *
   * @param port the client port, or 0 for any free one
   */
  public static EmbeddedKafka start(Path logDir, int port) {
    EmbeddedKafka kafka = new EmbeddedKafka(logDir, port == 0 ? freePort() : port, freePort(), null);
    kafka.startup();
    return kafka;
  }

  /**
   * Like {@link #start}, but the client listener is {@code SASL_PLAINTEXT} with SCRAM-SHA-512 and every
   * request is checked by the {@code StandardAuthorizer} with nothing allowed without an ACL. The super
   * user {@value #ADMIN_USER} gets {@code adminPassword} when the log dir is formatted; other users are
   * created with {@code Admin.alterUserScramCredentials}. The controller listener stays PLAINTEXT on
   * loopback.
   */
  public static EmbeddedKafka startSecured(Path logDir, int port, String adminPassword) {
    if (adminPassword == null || adminPassword.isEmpty()) {
      throw new IllegalArgumentException("the admin needs a password");
    }
    EmbeddedKafka kafka = new EmbeddedKafka(logDir, port == 0 ? freePort() : port, freePort(), adminPassword);
    kafka.startup();
    return kafka;
  }

  public boolean secured() {
    return adminPassword != null;
  }

  /** Starts a stopped broker again on the same directory and port. */
  public EmbeddedKafka restart() {
    if (server != null) {
      throw new IllegalStateException("broker is running");
    }
    EmbeddedKafka again = new EmbeddedKafka(logDir, port, freePort(), adminPassword);
    again.startup();
    return again;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path logDir() {
    return logDir;
  }

  private void startup() {
    try {
      Files.createDirectories(logDir);
      Properties props = properties();
      Path file = logDir.resolveSibling(logDir.getFileName() + ".properties");
      try (var out = Files.newOutputStream(file)) {
        props.store(out, "virtflow embedded KRaft broker");
      }
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      try (PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
        // --ignore-formatted keeps an existing log dir (and its cluster id) as it is.
        List<String> args = new ArrayList<>(List.of("format", "-t", clusterId(), "-c", file.toString(),
            "--ignore-formatted"));
        if (secured()) {
          // KRaft keeps SCRAM credentials in the metadata log: the first user is written at format time.
          args.addAll(List.of("--add-scram", "SCRAM-SHA-512=[name=" + ADMIN_USER + ",password=" + adminPassword + "]"));
        }
        StorageTool.execute(args.toArray(String[]::new), print);
      }
      LOG.debug("storage format: {}", buffer.toString(StandardCharsets.UTF_8).trim());
      KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
      s.startup();
      server = s;
      LOG.info("embedded Kafka broker up on {} (log dir {})", bootstrapServers(), logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka failed to start: " + e, e);
    }
  }

  /** The id this log dir was formatted with, or a new one: a formatted dir refuses any other. */
  private String clusterId() throws IOException {
    Path meta = logDir.resolve("meta.properties");
    if (Files.exists(meta)) {
      Properties p = new Properties();
      try (var in = Files.newInputStream(meta)) {
        p.load(in);
      }
      String id = p.getProperty("cluster.id");
      if (id != null && !id.isBlank()) {
        return id.trim();
      }
    }
    return Uuid.randomUuid().toString();
  }

  private Properties properties() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    String client = secured() ? "SASL_PLAINTEXT" : "PLAINTEXT";
    p.put("listeners", client + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", client + "://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", client);
    if (secured()) {
      p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
      p.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
      p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + ADMIN_USER
              + "\" password=\"" + adminPassword + "\";");
      p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
      // ANONYMOUS is the broker itself on the PLAINTEXT controller listener (loopback only): it registers
      // with the controller, which needs CLUSTER_ACTION. No client listener is PLAINTEXT.
      p.put("super.users", "User:" + ADMIN_USER + ";User:ANONYMOUS");
      p.put("allow.everyone.if.no.acl.found", "false");
    }
    p.put("log.dirs", logDir.toAbsolutePath().toString());
    p.put("num.partitions", "3");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // A new consumer group starts at once instead of waiting 3 s for more members.
    p.put("group.initial.rebalance.delay.ms", "0");
    // The 128 MiB default is allocated on the heap at start.
    p.put("log.cleaner.dedupe.buffer.size", "2097152");
    // Compacted topics (vm.state, host.status) get cleaned while the dev stack runs.
    p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
    p.put("auto.create.topics.enable", "false");
    return p;
  }

  @Override
  public void close() {
    if (server == null) {
      return;
    }
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      server = null;
      LOG.info("embedded Kafka broker on {} stopped", bootstrapServers());
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
